// The record of one run: what was applied, each phase, each check, the failure. Every mode fills
// one RunReport; outputs.ts, annotations.ts and summary.ts show it to the user.
import type * as actionsCore from '@actions/core';
import type { Service } from '../net/retry.js';
import type { ActionFailure } from './failure.js';
import type { CheckResult } from './check-result.js';

/** The @actions/core functions the action reports through (tests pass a recording double). */
export type Core = Pick<
  typeof actionsCore,
  'setOutput' | 'error' | 'warning' | 'notice' | 'info' | 'summary' | 'setSecret' | 'startGroup' | 'endGroup'
>;

export type ApplyAction = 'created' | 'configured' | 'unchanged';

/** One object of a server-side apply, with what the apply did to it. */
export interface AppliedObject {
  kind: string;
  name: string;
  namespace?: string;
  action: ApplyAction;
}

/** One hop of the identity chain (chain/preflight.ts walks them). Never holds a token. */
export interface HopRecord {
  id: string;
  title: string;
  status: 'pass' | 'fail' | 'skipped';
  /** What the service answered (status and its own message), or why skipped. */
  detail: string;
  httpStatus?: number;
  hint?: string;
  durationMs: number;
}

export interface PreflightRecord {
  hops: HopRecord[];
  /** The image's manifest digest (sha256:…) when the registry hop passed. */
  digest?: string;
  /** HTTP requests made (Kubernetes, Entra, STS, IAM, registry). */
  requests: number;
  durationMs: number;
}

export interface PhaseResult {
  name: string; // "Initial refresh", "Rollout"
  status: 'succeeded' | 'failed' | 'skipped';
  detail: string;
  /** Wall time of the phase, for the phases the run waits on (apply, refresh, rollout). */
  durationMs?: number;
}

export interface RunReport {
  mode: string;
  namespace: string;
  image?: string;
  tenantId: string;
  clientId: string;
  issuerUrl?: string;
  jobName?: string;
  pullSecretExpiresAt?: string;
  manifestsPath?: string;
  applied: AppliedObject[];
  warnings: string[];
  phases: PhaseResult[];
  checks: CheckResult[];
  /** Kubernetes API requests the checks made (they read each object once, in parallel). */
  checkApiRequests?: number;
  /** A preview deploy: how to reach it (manifests/preview.ts). */
  preview?: { url: string; instructions: string };
  /** `mode: sweep`: each preview with the reason it was removed or kept. */
  sweep?: {
    dryRun: boolean;
    removed: { namespace: string; pr: number; reason: string }[];
    kept: { namespace: string; pr: number; reason: string }[];
  };
  /** Calls repeated by the retry policy (net/retry.ts), by service. */
  retries?: Partial<Record<Service, number>>;
  failure?: ActionFailure;
  /** The identity chain walked from the runner (chain/preflight.ts). */
  preflight?: PreflightRecord;
  /** The image's manifest digest the preflight read; with `pin-digest` also in `image`. */
  imageDigest?: string;
  /** The image by tag, when `pin-digest` replaced `image` with the digest. */
  imageTag?: string;
}

/** Run a phase inside a log group, so each phase folds in the job log. */
export async function group<T>(core: Core, name: string, body: () => Promise<T>): Promise<T> {
  core.startGroup(name);
  try {
    return await body();
  } finally {
    core.endGroup();
  }
}

/** "2 created, 7 unchanged": what an apply did, by action. */
export function applySummary(applied: AppliedObject[]): string {
  const counts = new Map<string, number>();
  for (const a of applied) counts.set(a.action, (counts.get(a.action) ?? 0) + 1);
  return [...counts].map(([action, n]) => `${n} ${action}`).join(', ');
}

/** One log line per applied object. */
export function logApplied(core: Pick<Core, 'info'>, applied: AppliedObject[], note = ''): void {
  for (const a of applied)
    core.info(`${a.kind} ${a.namespace ? `${a.namespace}/` : ''}${a.name} ${a.action}${note}`);
}
