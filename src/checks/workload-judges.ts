// Judges of the gateway's side: the namespace, the Deployment's rollout, its pods' containers and
// scheduling, and Bifrost's own /health answer through the API server's service proxy.

import type { V1Pod } from '@kubernetes/client-node';
import { formatHint, hintById } from '../report/hints.js';
import type { Settings } from '../config/settings.js';
import { rolloutStatus, stuckContainers, unschedulable } from '../cluster/status.js';
import type { ClusterSnapshot } from './snapshot.js';
import {
  eventsFor,
  pass,
  podName,
  problem,
  skipped,
  summariseEvents,
  unreadable,
  type Check,
} from './verdict.js';

export function judgeNamespace(snapshot: ClusterSnapshot, settings: Settings): Check {
  const observed = snapshot.namespace;
  if (observed.state !== 'found') return unreadable(observed, `namespace ${settings.names.namespace}`);
  const phase = observed.value.status?.phase ?? 'Active';
  if (phase !== 'Active') {
    return problem(
      'fail',
      `namespace ${settings.names.namespace} is ${phase}`,
      'The namespace is being deleted; wait until it is gone, then deploy again.',
    );
  }
  return pass(`namespace ${settings.names.namespace} is Active`);
}

export function judgeDeployment(snapshot: ClusterSnapshot, settings: Settings): Check {
  const name = settings.names.deployment;
  if (snapshot.deployment.state !== 'found') return unreadable(snapshot.deployment, `Deployment ${name}`);
  const deployment = snapshot.deployment.value;
  const desired = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  const condition = (type: string) => status.conditions?.find((c) => c.type === type);
  const available = condition('Available');
  const total = status.replicas ?? 0;
  const updated = status.updatedReplicas ?? 0;
  const counts =
    `replicas ${desired}, updated ${updated}, ready ${status.readyReplicas ?? 0}, ` +
    `available ${status.availableReplicas ?? 0}${total > updated ? `, old ${total - updated}` : ''}; ` +
    `generation ${deployment.metadata?.generation ?? '?'}, observed ${status.observedGeneration ?? '?'}`;
  const seePods = 'See pods-healthy for why the pods are not ready.';
  if (desired === 0)
    return problem('warn', `Deployment ${name} is scaled to 0`, 'Set the replicas input above 0.');
  const rollout = rolloutStatus(deployment);
  if (rollout.status === 'failed') {
    return problem('fail', `${counts}; Progressing: ${rollout.reason}: ${rollout.message}`, seePods);
  }
  // One judgement with the deploy's rollout watch (cluster/status.ts), as kstatus and
  // `kubectl rollout status` make it: an old pod still serving makes `available` reach `desired`
  // while the new pod is stuck (maxUnavailable 0), so old pods must be gone too.
  if (rollout.status === 'in-progress' && !rollout.available) {
    const why = available
      ? `Available ${available.status}: ${available.reason ?? ''} ${available.message ?? ''}`.trim()
      : 'no Available condition';
    return problem('fail', `${counts}; ${why}`, seePods);
  }
  if (rollout.status === 'in-progress') {
    return problem(
      'warn',
      `${counts}; Available, but the rollout of the current generation is not complete (${rollout.message})`,
      seePods,
    );
  }
  return pass(counts);
}

function gatewayPods(snapshot: ClusterSnapshot, settings: Settings): V1Pod[] {
  if (snapshot.pods.state !== 'found') return [];
  const selector = (snapshot.deployment.state === 'found'
    ? snapshot.deployment.value.spec?.selector.matchLabels
    : undefined) ?? {
    app: settings.names.deployment,
  };
  return snapshot.pods.value.filter((pod) =>
    Object.entries(selector).every(([key, value]) => pod.metadata?.labels?.[key] === value),
  );
}

export function judgePods(snapshot: ClusterSnapshot, settings: Settings): Check {
  if (snapshot.pods.state !== 'found')
    return unreadable(snapshot.pods, `pods in ${settings.names.namespace}`);
  const pods = gatewayPods(snapshot, settings);
  const deploymentName = settings.names.deployment;
  // ReplicaSet events (FailedCreate: quota, admission webhook) explain pods that never appeared.
  const replicaSetEvents = (
    snapshot.warningEvents.state === 'found' ? snapshot.warningEvents.value : []
  ).filter(
    (event) =>
      event.involvedObject.kind === 'ReplicaSet' &&
      event.involvedObject.name?.startsWith(`${deploymentName}-`),
  );
  const podEvents = summariseEvents([...eventsFor(snapshot, pods.map(podName)), ...replicaSetEvents]);
  const desired = snapshot.deployment.state === 'found' ? (snapshot.deployment.value.spec?.replicas ?? 1) : 1;

  if (pods.length === 0) {
    const evidence = `no pods of Deployment ${deploymentName}${podEvents ? `; events: ${podEvents}` : ''}`;
    if (desired === 0) return pass(evidence);
    return problem('fail', evidence, 'The ReplicaSet could not create pods; its events above say why.');
  }

  const problems: string[] = [];
  for (const pod of pods) {
    for (const stuck of stuckContainers(pod)) {
      const what = `${stuck.reason}: ${stuck.message}${stuck.lastExit ? ` (${stuck.lastExit})` : ''}`;
      problems.push(`pod ${stuck.pod} container ${stuck.container}: ${what}`.trim());
    }
    const notScheduled = unschedulable(pod);
    if (notScheduled !== undefined)
      problems.push(`pod ${podName(pod)} not scheduled: ${notScheduled}`.trim());
  }
  if (problems.length === 0) {
    const running = pods.filter((pod) => pod.status?.phase === 'Running').length;
    return pass(`${pods.length} pod(s), ${running} Running, no container waiting on an error`);
  }
  const evidence = [...problems, podEvents ? `events: ${podEvents}` : ''].filter(Boolean).join('\n');
  return problem(
    'fail',
    evidence,
    'Describe a pod for the whole story: ' +
      `\`kubectl describe pod -n ${settings.names.namespace} -l app=${deploymentName}\`.`,
  );
}

export function judgeGatewayHealth(snapshot: ClusterSnapshot, settings: Settings): Check {
  if (snapshot.service.state !== 'found')
    return unreadable(snapshot.service, `Service ${settings.names.service}`);
  const health = snapshot.health;
  if (!health) return skipped('the Service was not readable, so /health was not asked');
  if (health.status === undefined) {
    return problem(
      'fail',
      `GET ${health.path} failed: ${health.error ?? 'no answer'}`,
      'The API server could not be asked; check the connection to the cluster.',
    );
  }
  const answer = `GET ${health.path} → ${health.status}${health.body ? ` ${health.body}` : ''}`;
  const gatewayLogs = `kubectl logs deployment/${settings.names.deployment} -n ${settings.names.namespace}`;
  if (health.status === 200) return pass(answer);
  // RBAC refused services/proxy (the built-in `view` role has none): not a network problem.
  if (health.status === 403) return problem('fail', answer, formatHint(hintById('k8s-forbidden')));
  // A Kubernetes Status body means the API server answered for the gateway: it never reached it.
  const proxyRefusal = apiServerStatusMessage(health.body);
  if (proxyRefusal !== undefined) {
    if (/no endpoints available/.test(proxyRefusal)) {
      return problem(
        'fail',
        answer,
        `No gateway pod is ready to serve: see deployment-available and pods-healthy.`,
      );
    }
    return {
      status: 'warn',
      evidence: answer,
      hint:
        'The API server could not reach a gateway pod through the service proxy, so /health was not asked ' +
        '(the readiness probes still judge it). Check NetworkPolicies and the API server to node connectivity ' +
        `(konnectivity on AKS), or ask directly: kubectl port-forward svc/${settings.names.service} 8080:80 -n ${settings.names.namespace}.`,
    };
  }
  return problem(
    'fail',
    answer,
    health.status === 503
      ? 'Bifrost answers 503 when a store it needs (config_store, logs_store) cannot be reached: fix its connection in ' +
          `the config input, then check \`${gatewayLogs}\`.`
      : `See pods-healthy and the gateway log: \`${gatewayLogs}\`.`,
  );
}

/** The message of a Kubernetes `Status` object, when the body is one (not the gateway's own answer). */
function apiServerStatusMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { kind?: string; message?: string };
    return parsed?.kind === 'Status' ? (parsed.message ?? '') : undefined;
  } catch {
    return undefined;
  }
}
