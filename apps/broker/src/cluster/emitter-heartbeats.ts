import type { Aedes } from 'aedes';
import type { Redis } from 'ioredis';
import { announceUntilJoined, publishSys, subscribeSys, type SysHandler } from './aedes-sys.js';
import type { MembershipView } from './membership-view.js';
import { ACQUIRE_OR_RENEW, LEADER_KEY, nodeClaimKey, RELEASE } from './redis-scripts.js';

/**
 * CLUSTER_MEMBERSHIP=emitter, the original design: every node hears every Aedes heartbeat
 * (`$SYS/<id>/heartbeat`) through the shared emitter and keeps its own last-seen times, since Aedes
 * forgets dead peers only every fourth heartbeat; the lease is renewed with one EVAL per heartbeat.
 * Each node receives N heartbeats per interval: O(N²) deliveries through Redis for the fleet.
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
    const left: SysHandler = (packet, done) => {
      view.left(packet.payload.toString());
      done();
    };
    await Promise.all([
      subscribeSys(this.broker, 'heartbeat', seen),
      subscribeSys(this.broker, 'birth', seen),
      subscribeSys(this.broker, 'leave', left),
    ]);
    // Announced only once this process holds its node id, which another live process may hold.
    void view.holding.then(() => announceUntilJoined(this.broker, view));
    this.renewLease();
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

  private renewLease(): void {
    const view = this.view;
    const sentAt = Date.now();
    this.control.eval(ACQUIRE_OR_RENEW, 2, LEADER_KEY, nodeClaimKey(view.nodeId), view.nodeId, String(view.leaseMs), view.instance).then(
      (result) => {
        view.claimed(typeof result === 'string' ? result : '');
        view.leased(result, sentAt);
      },
      (error: Error) => view.leaseFailed(error),
    );
    if (view.state === 'LEAVING') return;
    this.leaseTimer = setTimeout(() => this.renewLease(), view.heartbeatMs);
    this.leaseTimer.unref();
  }
}
