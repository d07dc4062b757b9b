// The shape every verification check returns (Kubernetes-side checks in checks.ts, Azure-side
// ones in azure.ts). It is also the element type of the `report` output: keep it stable.

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skipped';

export interface CheckResult {
  id: string; // stable, kebab-case, e.g. `pull-secret-fresh`
  title: string; // one line for the summary table
  status: CheckStatus;
  /** What was seen: a field value, condition, event, log line or HTTP status and body.
   * For `skipped`, the reason. Never Secret data. */
  evidence: string;
  /** How to fix it; present on warn and fail. */
  hint?: string;
}
