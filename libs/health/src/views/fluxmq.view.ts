import { DRAINING_REASON, isFailing, probeMembers, readinessHold, readinessMode, rootCause, STARTING_REASON } from '../groups/verdicts.js';
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
  // As FluxMQ: no cluster check on a single node (a cluster component that says it runs no cluster).
  const members = probeMembers(readiness, config).filter((m) => m.component.details?.['cluster-mode'] !== false);
  const checks: Record<string, { status: 'up' | 'down'; details?: string }> = {};
  for (const { path, failing, starting, reason, error } of members) {
    // As FluxMQ: the raw error on a failed check ("badger: closed"), the reason otherwise ("1/2 peers reachable");
    // a member silent itself speaks through its first failing sub-component ("tcp-listener-1883: Failed to bind …").
    // A member not started yet is not initialised: down, never up.
    const down = failing || starting;
    const details = failing ? (error ?? reason) : (reason ?? (starting ? STARTING_REASON : undefined));
    checks[path] = { status: down ? 'down' : 'up', ...(showDetails && details ? { details } : {}) };
  }
  const mode = readinessMode(snapshot, config);
  if (mode === 'not_ready') {
    const hold = readinessHold(snapshot);
    const cause = rootCause(members);
    // A drain names the phase; otherwise the root cause ("storage unavailable", not the cluster that follows
    // from it), and the phase only while no member fails of its own.
    const details = hold === DRAINING_REASON ? hold : cause ? `${cause.path} unavailable` : (hold ?? 'not ready');
    return jsonResponse(config.httpStatus[readiness.status], { status: 'not_ready', details, checks });
  }
  return jsonResponse(200, { status: 'ready', mode, checks });
}

/**
 * Not a probe: always 200. Reads the cluster and broker components' details, which the details
 * visibility hides like any other: without it, only whether the broker runs as a cluster. A cluster
 * component with `cluster-mode: false` is a single node, as is a broker without one.
 */
export function fluxmqClusterStatus({ snapshot, showDetails }: ViewContext): ViewResponse {
  const cluster = snapshot.components.cluster?.details;
  const clusterMode = cluster !== undefined && cluster['cluster-mode'] !== false;
  if (!showDetails) return jsonResponse(200, { cluster_mode: clusterMode });
  const broker = snapshot.components.broker?.details;
  const nodeId = clusterMode ? (cluster?.['node-id'] ?? broker?.['node-id']) : 'single-node';
  // The sessions this node holds, persistent offline ones included; connected clients where the broker cannot tell.
  const sessions = broker?.sessions ?? broker?.['connected-clients'] ?? 0;
  return jsonResponse(200, {
    node_id: nodeId,
    is_leader: clusterMode && cluster?.['is-leader'] === true,
    cluster_mode: clusterMode,
    sessions,
  });
}
