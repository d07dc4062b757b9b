// The one place that reads Kubernetes API errors: the HTTP status and the Status body of a
// client-node ApiException, the KubeError every Kubernetes call is reported as, and which errors
// must not be turned into a finding (the run was cancelled or timed out, or the API server is
// unreachable): those end the run as they are.
import { endsTheRun } from '../net/retry.js';

/** An API call that failed, with what we were doing and what the server said. */
export class KubeError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number | undefined,
    readonly reason: string | undefined,
    readonly serverMessage: string,
  ) {
    super(`${operation}: ${status ? `HTTP ${status} ` : ''}${reason ? `${reason}: ` : ''}${serverMessage}`);
    this.name = 'KubeError';
  }
}

export interface StatusBody {
  reason?: string;
  message?: string;
  details?: { causes?: Array<{ reason?: string; message?: string; field?: string }> };
}

/** The HTTP status of an ApiException (undefined for connection errors). */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The Kubernetes Status object in an ApiException body (string or parsed). */
export function statusBody(error: unknown): StatusBody {
  const body = (error as { body?: unknown } | null)?.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as unknown;
      return parsed && typeof parsed === 'object' ? parsed : { message: body };
    } catch {
      return { message: body };
    }
  }
  return body && typeof body === 'object' ? body : {};
}

/** The server's own message (a Status body) rather than ApiException's text, which carries headers. */
export function serverMessage(error: unknown): string {
  const message = statusBody(error).message;
  if (typeof message === 'string') return message;
  return error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
}

/** What we were doing + what the server said; errors that end the run pass through unchanged. */
export function wrap(operation: string, error: unknown): Error {
  if (error instanceof KubeError || endsTheRun(error)) return error as Error;
  const body = statusBody(error);
  return new KubeError(operation, statusOf(error), body.reason, serverMessage(error));
}

export interface FieldConflict {
  field: string;
  manager: string;
  message: string;
}

/** Server-side apply refused because another field manager owns some of our fields. */
export class ApplyConflictError extends Error {
  constructor(
    readonly object: string,
    readonly conflicts: FieldConflict[],
  ) {
    super(
      `Apply of ${object} conflicts with another field manager: ` +
        conflicts.map((c) => `${c.field} (owned by "${c.manager}")`).join(', '),
    );
    this.name = 'ApplyConflictError';
  }
}

/** Server-side apply conflicts: 409 with causes of type FieldManagerConflict. */
export function fieldConflicts(error: unknown): FieldConflict[] {
  if (statusOf(error) !== 409) return [];
  const causes = statusBody(error).details?.causes ?? [];
  return causes
    .filter((cause) => cause.reason === 'FieldManagerConflict')
    .map((cause) => ({
      field: cause.field ?? '',
      manager: /conflict with "([^"]+)"/.exec(cause.message ?? '')?.[1] ?? 'another manager',
      message: cause.message ?? '',
    }));
}
