import { Logger } from '@nestjs/common';
import type { ClusterNodeState, ClusterPeer } from 'nestjs-mqtt-health';

/** A peer whose last heartbeat is older than this many heartbeat intervals is unreachable. */
export const REACHABLE_WITHIN_HEARTBEATS = 1.5;
/** A peer unheard of for this long is forgotten (it was scaled away without saying goodbye). */
export const FORGET_AFTER_MS = 10 * 60_000;

/**
 * What a node knows of its cluster, whichever way the heartbeats travel: when it last heard of each
 * node (its own heartbeat included, in local time), its own state and its leader lease.
 */
export class MembershipView {
  readonly logger = new Logger('Cluster');
  private readonly lastSeen = new Map<string, number>();
  private nodeState: ClusterNodeState = 'JOINING';
  private leaderUntil = 0;
  /** What the log last said about leadership: each change is said once, a lapsed lease included. */
  private saidLeading = false;
  private resolveJoined!: () => void;
  /** Settles once this node heard its own announcement back through Redis. */
  readonly joined = new Promise<void>((resolve) => (this.resolveJoined = resolve));

  constructor(
    readonly nodeId: string,
    readonly heartbeatMs: number,
  ) {}

  get state(): ClusterNodeState {
    return this.nodeState;
  }

  get isLeader(): boolean {
    return this.leaderUntil > Date.now();
  }

  /** The lease length: three heartbeats, so one late renewal does not lose it. */
  get leaseMs(): number {
    return 3 * this.heartbeatMs;
  }

  /** While RUNNING, whether this node still hears its own heartbeat through Redis; false means cut off. */
  get connected(): boolean {
    if (this.nodeState !== 'RUNNING') return true;
    return (this.lastSeen.get(this.nodeId) ?? 0) >= Date.now() - REACHABLE_WITHIN_HEARTBEATS * this.heartbeatMs;
  }

  peers(): readonly ClusterPeer[] {
    const now = Date.now();
    const reachableSince = now - REACHABLE_WITHIN_HEARTBEATS * this.heartbeatMs;
    const peers: ClusterPeer[] = [];
    for (const [id, seen] of this.lastSeen) {
      if (id === this.nodeId) continue;
      if (seen < now - FORGET_AFTER_MS) this.lastSeen.delete(id);
      else peers.push({ id, reachable: seen >= reachableSince });
    }
    return peers;
  }

  /** Node `id` was alive at `at` (local time). A leaving node no longer counts its own heartbeat. */
  heard(id: string, at = Date.now()): void {
    if (this.nodeState === 'LEAVING' && id === this.nodeId) return;
    if (at > (this.lastSeen.get(id) ?? -Infinity)) this.lastSeen.set(id, at);
  }

  /** Node `id` said goodbye: dropped at once instead of reported unreachable. */
  left(id: string): void {
    if (id !== this.nodeId && this.lastSeen.delete(id)) this.logger.log(`node ${id} left the cluster`);
  }

  /** This node's own announcement came back: JOINING turns RUNNING, once. */
  running(): void {
    if (this.nodeState !== 'JOINING') return;
    this.nodeState = 'RUNNING';
    this.logger.log(`node ${this.nodeId} joined the cluster`);
    this.resolveJoined();
  }

  /** Returns false if the node was already leaving. */
  leaving(): boolean {
    if (this.nodeState === 'LEAVING') return false;
    this.nodeState = 'LEAVING';
    return true;
  }

  /** A lease renewal sent at `sentAt` answered: 1 = this node leads for another lease from then. */
  leased(result: unknown, sentAt: number): void {
    // A renewal answered after leaving must not make the node leader again.
    this.leaderUntil = result === 1 && this.nodeState !== 'LEAVING' ? sentAt + this.leaseMs : 0;
    this.sayLeadership();
  }

  /** A lease renewal failed: the lease lapses by itself while Redis does not answer. */
  leaseFailed(error: Error): void {
    this.logger.debug(`leader lease: ${error.message}`);
    this.sayLeadership();
  }

  released(): void {
    this.leaderUntil = 0;
    this.sayLeadership();
  }

  private sayLeadership(): void {
    const leads = this.isLeader;
    if (leads === this.saidLeading) return;
    this.saidLeading = leads;
    this.logger.log(leads ? `node ${this.nodeId} is the leader` : `node ${this.nodeId} is no longer the leader`);
  }
}
