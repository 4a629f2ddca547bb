import { isFailing, probeMembers, readinessHold, readinessMode } from '../groups/verdicts.js';
import type { HealthView, ViewContext } from './health-view.interface.js';
import { jsonResponse, type ViewResponse } from './view-response.js';

/**
 * FluxMQ's probes: `/health` (liveness, no dependency checks), `/ready` (readiness with a
 * nominal/degraded mode and a checks map), `/cluster/status`.
 */
export const FLUXMQ_VIEW: HealthView = {
  name: 'fluxmq',
  defaultPrefix: '',
  routes: [
    { path: 'health', render: fluxmqHealth },
    { path: 'ready', render: fluxmqReady },
    { path: 'cluster/status', render: fluxmqClusterStatus },
  ],
};

export function fluxmqHealth({ snapshot, config }: ViewContext): ViewResponse {
  const liveness = snapshot.groups.liveness;
  return isFailing(config, liveness)
    ? jsonResponse(config.httpStatus[liveness.status], { status: 'unhealthy' })
    : jsonResponse(200, { status: 'healthy' });
}

export function fluxmqReady({ snapshot, config, showDetails }: ViewContext): ViewResponse {
  const readiness = snapshot.groups.readiness;
  const members = probeMembers(readiness, config);
  const checks: Record<string, { status: 'up' | 'down'; details?: string }> = {};
  for (const { path, failing, reason, error } of members) {
    // As FluxMQ: the raw error on a failed check ("badger: closed"), the reason otherwise ("1/2 peers reachable");
    // a member silent itself speaks through its first failing sub-component ("tcp-listener-1883: Failed to bind …").
    const details = failing ? (error ?? reason) : reason;
    checks[path] = { status: failing ? 'down' : 'up', ...(showDetails && details ? { details } : {}) };
  }
  const mode = readinessMode(snapshot, config);
  if (mode === 'not_ready') {
    const firstDown = members.find((m) => m.failing);
    // Held (`starting`, `draining`) before any member's own failure: FluxMQ names the phase.
    const details = readinessHold(snapshot) ?? (firstDown ? `${firstDown.path} unavailable` : 'not ready');
    return jsonResponse(config.httpStatus[readiness.status], { status: 'not_ready', details, checks });
  }
  return jsonResponse(200, { status: 'ready', mode, checks });
}

/**
 * Not a probe: always 200. Reads the cluster and broker components' details, which the details
 * visibility hides like any other: without it, only whether the broker runs as a cluster.
 */
export function fluxmqClusterStatus({ snapshot, showDetails }: ViewContext): ViewResponse {
  const clusterMode = snapshot.components.cluster !== undefined;
  if (!showDetails) return jsonResponse(200, { cluster_mode: clusterMode });
  const cluster = snapshot.components.cluster?.details;
  const broker = snapshot.components.broker?.details;
  const nodeId = cluster?.['node-id'] ?? broker?.['node-id'] ?? 'single-node';
  const sessions = broker?.['connected-clients'] ?? 0;
  return jsonResponse(200, { node_id: nodeId, is_leader: cluster?.['is-leader'] === true, cluster_mode: clusterMode, sessions });
}
