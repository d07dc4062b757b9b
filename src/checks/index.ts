// Kubernetes-side verification. Two halves:
// - collectSnapshot: reads the objects through the API, in parallel, each once; keeps only what the
//   checks need (never Secret data: the pull secret is summarised to hosts and usernames).
// - evaluateChecks: pure judgement of a snapshot at a given time, one CheckResult per check.
// Evidence is what was seen; hints come from the catalogue in hints.ts when the evidence carries a
// service's words, else a specific fix.
//
// One small file per concern under ./checks/; this module re-exports their public API:
//   snapshot.ts          the snapshot types, collectSnapshot, pull-secret summary
//   jobs.ts              refresher Job outcomes and which pod's log explains a failure
//   schedule.ts          cron schedule → minutes between runs
//   evaluate.ts          CHECK_IDS, titles, the judge of each check, evaluateChecks
//   verdict.ts           what judges share: pass/skipped/problem, unreadable objects, event summaries
//   identity-judges.ts   ServiceAccount client id, workload identity label, credential config, token injection
//   refresher-judges.ts  CronJob runs and successes, pull secret shape and expiry
//   workload-judges.ts   namespace, Deployment rollout, gateway pods, /health
//   time.ts              date helpers

export {
  collectSnapshot,
  summarisePullSecret,
  type ClusterSnapshot,
  type GatewayHealth,
  type KubeApis,
  type Observed,
  type PullSecretSummary,
  type RefresherLog,
} from './snapshot.js';
export { pickRefresherLogTarget, type RefresherLogTarget } from './jobs.js';
export { schedulePeriodMinutes } from '../config/schedule.js';
export { CHECK_IDS, evaluateChecks, type CheckId } from './evaluate.js';
export { summariseEvents } from './verdict.js';
