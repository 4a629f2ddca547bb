import { Inject, Optional } from '@nestjs/common';
import { HealthIndicator } from '../../indicator/health-indicator.decorator.js';
import type { HealthComponentCheck } from '../../model/health-indicator.interface.js';
import type { HealthComponent } from '../../model/health-component.interface.js';
import { HealthStatus } from '../../model/health-status.js';
import { MQTT_BROKER_STATE, MQTT_CLUSTER_MEMBERSHIP } from '../mqtt-health.constants.js';
import type { BrokerState, ClusterMembership } from '../mqtt-health.interfaces.js';

/**
 * Cluster membership, as HiveMQ's Cluster component: DOWN while joining (with what it waits on: an
 * unreachable Redis, the broker's start) or when cut off from the cluster (its own heartbeat does not come back), DEGRADED
 * while a leave is in progress (this node's own, or a peer's: "topology change in progress: node-2
 * leaving", `is-leave-replication-in-progress: true`, so nobody scales down a second node mid-leave)
 * or when some peers stopped sending heartbeats ("1/2 peers reachable", as FluxMQ says), else UP.
 * A single node (no membership, or one not enabled) is UP: one node, `cluster-mode: false`.
 */
@HealthIndicator('cluster', { groups: ['readiness'] })
export class ClusterHealthIndicator implements HealthComponentCheck {
  constructor(
    @Optional() @Inject(MQTT_CLUSTER_MEMBERSHIP) private readonly membership?: ClusterMembership,
    @Optional() @Inject(MQTT_BROKER_STATE) private readonly broker?: BrokerState,
  ) {}

  check(): HealthComponent | null {
    const m = this.membership;
    if (!m?.enabled) return this.singleNode();
    const peers = m.peers();
    const reachable = peers.filter((peer) => peer.reachable).length;
    const leavers = peers.filter((peer) => peer.reachable && peer.leaving).map((peer) => peer.id);
    const nodes = [m.nodeId, ...peers.map((peer) => peer.id)].sort();
    const details: Record<string, unknown> = {
      'node-id': m.nodeId,
      'cluster-nodes': nodes,
      'cluster-size': nodes.length,
      'node-state': m.state,
      'is-leader': m.isLeader,
      'is-leave-replication-in-progress': m.state === 'LEAVING' || leavers.length > 0,
      'cluster-mode': true,
    };
    if (m.conflict) return { status: HealthStatus.DOWN, details: { ...details, reason: m.conflict } };
    if (m.state === 'JOINING') {
      // DOWN with what it waits on: the dependency it cannot reach, the broker's start, or the join itself.
      const brokerStarting = this.broker && this.broker.startedAt === undefined && !this.broker.closed;
      const reason = m.waitingFor ?? (brokerStarting ? 'waiting for the broker to start' : 'joining the cluster');
      return { status: HealthStatus.DOWN, details: { ...details, reason } };
    }
    if (m.state === 'LEAVING') return { status: HealthStatus.DEGRADED, details: { ...details, reason: 'node is leaving the cluster' } };
    if (m.connected === false)
      return {
        status: HealthStatus.DOWN,
        details: { ...details, reason: 'cut off from the cluster: its own heartbeat does not come back' },
      };
    const reasons: string[] = [];
    if (reachable < peers.length) reasons.push(`${reachable}/${peers.length} peers reachable`);
    if (leavers.length > 0) reasons.push(`topology change in progress: ${leavers.sort().join(', ')} leaving`);
    if (reasons.length > 0) return { status: HealthStatus.DEGRADED, details: { ...details, reason: reasons.join('; ') } };
    return { status: HealthStatus.UP, details };
  }

  /** HiveMQ always shows its cluster: on a single node, one node, RUNNING, its own leader. Null without a node id to name. */
  private singleNode(): HealthComponent | null {
    const nodeId = this.membership?.nodeId ?? this.broker?.nodeId;
    if (nodeId === undefined) return null;
    return {
      status: HealthStatus.UP,
      details: {
        'node-id': nodeId,
        'cluster-nodes': [nodeId],
        'cluster-size': 1,
        'node-state': 'RUNNING',
        'is-leader': true,
        'is-leave-replication-in-progress': false,
        'cluster-mode': false,
      },
    };
  }
}
