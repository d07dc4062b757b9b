// One retry policy for every outbound call (Kubernetes, Resource Manager, Entra ID, and the
// preflight's Google and registry calls): what is transient, how long to wait, when to give up.
// - Transient: HTTP 429 (Retry-After honoured), 500/502/503/504, a connection reset, refused or
//   timed out. The caller decides what is safe to repeat (see cluster/http.ts).
// - Back-off: exponential with full jitter (AWS Architecture Blog, "Exponential Backoff And
//   Jitter"), at most MAX_ATTEMPTS tries, and never past the run's deadline minus REPORT_RESERVE_MS
//   (the time kept to write the report).
// - A service that stays down ends as ServiceUnreachableError, named and with its address.
// Every retry is counted per service for report.stats.retries.

export type Service = 'kubernetes' | 'resource-manager' | 'entra' | 'preflight';

/** How a service is named in "<service> unreachable at <address>". */
export const SERVICE_NAMES: Record<Service, string> = {
  kubernetes: 'API server',
  'resource-manager': 'Resource Manager',
  entra: 'Entra ID',
  preflight: 'Service',
};

export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** Connection failures worth another try. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'ATTEMPT_TIMEOUT',
]);

/** Failures that happen before a request leaves the runner: safe to repeat whatever the method. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const MAX_ATTEMPTS = 8;
const BASE_DELAY_MS = 200;
export const MAX_DELAY_MS = 5_000;
/** A Retry-After longer than this is not waited for: the service is treated as down. */
const MAX_RETRY_AFTER_MS = 30_000;
/** Kept free before the run's deadline to report what happened. */
export const REPORT_RESERVE_MS = 1_000;
/** One attempt of a plain request (not a watch) that has not answered by then is abandoned. */
export const ATTEMPT_TIMEOUT_MS = 30_000;

/** A service that kept failing until the attempts or the run's time ran out. */
export class ServiceUnreachableError extends Error {
  constructor(
    readonly service: Service,
    readonly address: string,
    readonly lastProblem: string,
    readonly attempts: number,
  ) {
    super(
      `${SERVICE_NAMES[service]} unreachable at ${address}: ${lastProblem} (${attempts} attempt${attempts === 1 ? '' : 's'})`,
    );
    this.name = 'ServiceUnreachableError';
  }
}

/** Errors that end the run as they are: cancellation, the run's timeout, a service that stayed down. */
export function endsTheRun(error: unknown): boolean {
  if (error instanceof ServiceUnreachableError) return true;
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError' || name === 'CancelledError';
}

/** The error code of a connection failure, looking through `cause` (undici, node-fetch). */
export function errorCode(error: unknown): string | undefined {
  for (
    let e = error as { code?: unknown; cause?: unknown; name?: unknown } | undefined, depth = 0;
    e && depth < 4;
    depth++
  ) {
    if (typeof e.code === 'string') return e.code;
    if (e.name === 'TimeoutError') return 'ATTEMPT_TIMEOUT';
    e = e.cause as typeof e;
  }
  return undefined;
}

export function isTransientError(error: unknown): boolean {
  const code = errorCode(error);
  if (code && TRANSIENT_CODES.has(code)) return true;
  // node-fetch reports a reset mid-body as FetchError "socket hang up" / "Premature close".
  return /socket hang up|premature close|other side closed/i.test((error as Error)?.message ?? '');
}

/** True when the request certainly never reached the server (connection refused, no route). */
export function neverSent(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && NOT_SENT_CODES.has(code);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value == null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** What one attempt showed: a retryable answer (status, Retry-After) or a retryable error. */
export interface TransientProblem {
  describe: string;
  retryAfter?: string | null;
}

export interface RetryPolicyOptions {
  /** Epoch ms when the run's `timeout` ends. */
  deadline?: number;
  /** Aborts waits and attempts (the run's cancellation and timeout). */
  signal?: AbortSignal;
  maxAttempts?: number;
  baseDelayMs?: number;
  random?: () => number;
}

export class RetryPolicy {
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  private readonly random: () => number;
  private readonly counts = new Map<Service, number>();

  constructor(options: RetryPolicyOptions = {}) {
    this.deadline = options.deadline ?? Infinity;
    this.signal = options.signal;
    this.maxAttempts = options.maxAttempts ?? MAX_ATTEMPTS;
    this.baseDelayMs = options.baseDelayMs ?? BASE_DELAY_MS;
    this.random = options.random ?? Math.random;
  }

  /** Retries so far, by service (only services that retried). */
  get retries(): Partial<Record<Service, number>> {
    return Object.fromEntries(this.counts);
  }

  get totalRetries(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  count(service: Service): void {
    this.counts.set(service, (this.counts.get(service) ?? 0) + 1);
  }

  /**
   * How long to wait before attempt `attempt + 1` (attempt counts from 1), or undefined when the
   * attempts are used up or the wait would end past the deadline's reserve.
   */
  delayBefore(attempt: number, retryAfter?: string | null): number | undefined {
    if (attempt >= this.maxAttempts || this.signal?.aborted) return undefined;
    const ceiling = Math.min(MAX_DELAY_MS, this.baseDelayMs * 2 ** (attempt - 1));
    let delay = this.random() * ceiling;
    const asked = retryAfterMs(retryAfter);
    if (asked !== undefined) {
      if (asked > MAX_RETRY_AFTER_MS) return undefined;
      delay = Math.max(delay, asked);
    }
    return Date.now() + delay > this.deadline - REPORT_RESERVE_MS ? undefined : delay;
  }

  /** Time left for one attempt: until the reserve before the deadline, at most ATTEMPT_TIMEOUT_MS. */
  attemptTimeoutMs(): number {
    return Math.max(1, Math.min(ATTEMPT_TIMEOUT_MS, this.deadline - REPORT_RESERVE_MS - Date.now()));
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const signal = this.signal;
      if (signal?.aborted) return reject(signal.reason as Error);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Run `send` until it gives an answer `judge` accepts. `judge` returns a TransientProblem for an
   * answer worth retrying; `resend` says whether a transient error may be repeated for this call.
   * When retries run out: the last answer is returned if `giveBackLastAnswer`, else (and always
   * after an error) ServiceUnreachableError is thrown.
   */
  async execute<T>(
    service: Service,
    address: string,
    send: () => Promise<T>,
    {
      judge = () => undefined,
      resend = () => true,
      giveBackLastAnswer = false,
      discard = () => undefined,
    }: {
      judge?: (answer: T) => TransientProblem | undefined;
      resend?: (error: unknown) => boolean;
      giveBackLastAnswer?: boolean;
      /** Releases an answer that will not be used (an unread body). */
      discard?: (answer: T) => void;
    } = {},
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let problem: TransientProblem;
      let answer: { value: T } | undefined;
      try {
        const value = await send();
        const judged = judge(value);
        if (!judged) return value;
        problem = judged;
        answer = { value };
      } catch (error) {
        if (this.signal?.aborted) throw this.signal.reason as Error;
        if (!isTransientError(error) || !resend(error)) throw error;
        problem = { describe: errorCode(error) ?? (error as Error).message };
      }
      const delay = this.delayBefore(attempt, problem.retryAfter);
      if (delay === undefined) {
        if (answer && giveBackLastAnswer) return answer.value;
        throw new ServiceUnreachableError(service, address, problem.describe, attempt);
      }
      if (answer) discard(answer.value);
      this.count(service);
      await this.sleep(delay);
    }
  }
}

/**
 * fetch through the policy: connection errors, 429 and 5xx are retried (Retry-After honoured);
 * when they persist the service's last answer is returned so the caller can report its words.
 * Only for requests that are safe to repeat (token exchanges, reads).
 */
export function retryingFetch(
  policy: RetryPolicy,
  service: Service,
  input: string | URL,
  init: RequestInit = {},
): Promise<Response> {
  const url = new URL(input);
  return policy.execute(
    service,
    url.origin,
    () => {
      const timeout = AbortSignal.timeout(policy.attemptTimeoutMs());
      const signals = [timeout, init.signal, policy.signal].filter((s): s is AbortSignal => !!s);
      return fetch(url, { ...init, signal: AbortSignal.any(signals) });
    },
    {
      judge: (response) =>
        RETRY_STATUSES.has(response.status)
          ? { describe: `HTTP ${response.status}`, retryAfter: response.headers.get('retry-after') }
          : undefined,
      giveBackLastAnswer: true,
      discard: (response) => void response.body?.cancel().catch(() => undefined),
    },
  );
}
