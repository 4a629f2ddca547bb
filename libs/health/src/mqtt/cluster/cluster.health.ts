import { Inject, Optional } from '@nestjs/common';
import { HealthIndicator } from '../../indicator/health-indicator.decorator.js';
import type { HealthComponentCheck } from '../../model/health-indicator.interface.js';
import type { HealthComponent } from '../../model/health-component.interface.js';
import { STARTING_REASON } from '../../groups/verdicts.js';
import { HealthStatus } from '../../model/health-status.js';
import { MQTT_BROKER_STATE, MQTT_CLUSTER_MEMBERSHIP } from '../mqtt-health.constants.js';
import type { BrokerState, ClusterMembership } from '../mqtt-health.interfaces.js';

/**
 * Cluster membership: UNKNOWN "starting" before the broker has started, DOWN while joining or when
 * cut off from the cluster (its own heartbeat does not come back), DEGRADED while leaving or when
 * some peers stopped sending heartbeats ("1/2 peers reachable", as FluxMQ says), else UP. Absent in
 * single-node mode.
 */
@HealthIndicator('cluster', { groups: ['readiness'] })
export class ClusterHealthIndicator implements HealthComponentCheck {
  constructor(
    @Optional() @Inject(MQTT_CLUSTER_MEMBERSHIP) private readonly membership?: ClusterMembership,
    @Optional() @Inject(MQTT_BROKER_STATE) private readonly broker?: BrokerState,
  ) {}

  check(): HealthComponent | null {
    const m = this.membership;
    if (!m?.enabled) return null;
    const peers = m.peers();
    const reachable = peers.filter((peer) => peer.reachable).length;
    const nodes = [m.nodeId, ...peers.map((peer) => peer.id)].sort();
    const details: Record<string, unknown> = {
      'node-id': m.nodeId,
      'cluster-nodes': nodes,
      'cluster-size': nodes.length,
      'node-state': m.state,
      'is-leader': m.isLeader,
    };
    if (m.conflict) return { status: HealthStatus.DOWN, details: { ...details, reason: m.conflict } };
    if (m.state === 'JOINING') {
      if (this.broker && this.broker.startedAt === undefined && !this.broker.closed)
        return { status: HealthStatus.UNKNOWN, details: { ...details, reason: STARTING_REASON } };
      return { status: HealthStatus.DOWN, details: { ...details, reason: 'joining the cluster' } };
    }
    if (m.state === 'LEAVING') return { status: HealthStatus.DEGRADED, details: { ...details, reason: 'node is leaving the cluster' } };
    if (m.connected === false)
      return {
        status: HealthStatus.DOWN,
        details: { ...details, reason: 'cut off from the cluster: its own heartbeat does not come back' },
      };
    if (reachable < peers.length)
      return { status: HealthStatus.DEGRADED, details: { ...details, reason: `${reachable}/${peers.length} peers reachable` } };
    return { status: HealthStatus.UP, details };
  }
}
