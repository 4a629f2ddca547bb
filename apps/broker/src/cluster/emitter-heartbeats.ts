import type { Aedes } from 'aedes';
import type { Redis } from 'ioredis';
import { announceUntilJoined, publishSys, subscribeSys, type SysHandler } from './aedes-sys.js';
import type { MembershipView } from './membership-view.js';
import { ACQUIRE_OR_RENEW, LEADER_KEY, nodeClaimKey, RELEASE } from './redis-scripts.js';

/**
 * CLUSTER_MEMBERSHIP=emitter, the original design: every node hears every Aedes heartbeat
 * (`$SYS/<id>/heartbeat`) through the shared emitter and keeps its own last-seen times, since Aedes
 * forgets dead peers only every fourth heartbeat; the lease is renewed with one EVAL per heartbeat.
 * Each node receives N heartbeats per interval: O(N²) deliveries through Redis for the fleet. A node
 * whose drain begins says `leaving` at once and with each heartbeat until its final `leave`.
 */
export class EmitterHeartbeats {
  private leaseTimer?: NodeJS.Timeout;

  constructor(
    private readonly view: MembershipView,
    private readonly broker: Aedes,
    private readonly control: Redis,
  ) {}

  /** Starts listening to heartbeats and announces this node; resolves once subscribed. */
  async start(): Promise<void> {
    const view = this.view;
    const seen: SysHandler = (packet, done) => {
      const id = packet.payload.toString();
      if (id === view.nodeId) view.running();
      view.heard(id);
      done();
    };
    const born: SysHandler = (packet, done) => {
      view.peerStarted(packet.payload.toString());
      seen(packet, done);
    };
    const leaving: SysHandler = (packet, done) => {
      view.peerLeaving(packet.payload.toString());
      done();
    };
    const left: SysHandler = (packet, done) => {
      view.peerLeft(packet.payload.toString());
      done();
    };
    await Promise.all([
      subscribeSys(this.broker, 'heartbeat', seen),
      subscribeSys(this.broker, 'birth', born),
      subscribeSys(this.broker, 'leaving', leaving),
      subscribeSys(this.broker, 'leave', left),
    ]);
    // Announced only once this process holds its node id, which another live process may hold.
    void view.holding.then(() => announceUntilJoined(this.broker, view));
    void this.renewLease();
  }

  /** The view turned LEAVING: says so now, and gives up the lease, rather than at the next heartbeat. */
  async announceLeaving(): Promise<void> {
    clearTimeout(this.leaseTimer);
    await this.renewLease();
  }

  /** Says goodbye so peers drop this node at once instead of reporting it unreachable; gives up the lease. */
  async leave(): Promise<void> {
    clearTimeout(this.leaseTimer);
    if (!this.view.holdsNodeId) return;
    await publishSys(this.broker, 'leave', this.view.nodeId);
    await this.control
      .eval(RELEASE, 2, LEADER_KEY, nodeClaimKey(this.view.nodeId), this.view.nodeId, this.view.instance)
      .catch(() => undefined);
  }

  /** Once per heartbeat until the final leave: the claim on the node id, the lease, and while leaving the `leaving` message. */
  private async renewLease(): Promise<void> {
    const view = this.view;
    if (view.left) return;
    this.leaseTimer = setTimeout(() => void this.renewLease(), view.heartbeatMs);
    this.leaseTimer.unref();
    const leaving = view.state === 'LEAVING';
    if (leaving && view.holdsNodeId) void publishSys(this.broker, 'leaving', view.nodeId);
    const sentAt = Date.now();
    const args = [view.nodeId, String(view.leaseMs), view.instance, leaving ? '1' : '0'];
    try {
      const result = await this.control.eval(ACQUIRE_OR_RENEW, 2, LEADER_KEY, nodeClaimKey(view.nodeId), ...args);
      if (view.left) return;
      view.claimed(typeof result === 'string' ? result : '');
      view.leased(result, sentAt);
    } catch (error) {
      view.leaseFailed(error as Error);
    }
  }
}
