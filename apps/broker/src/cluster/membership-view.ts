import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Logger } from '@nestjs/common';
import type { ClusterNodeState, ClusterPeer } from 'nestjs-mqtt-health';
import { isNodeId } from '../config/index.js';

/** A peer whose last heartbeat is older than this many heartbeat intervals is unreachable. */
export const REACHABLE_WITHIN_HEARTBEATS = 1.5;
/** A peer unheard of for this long is forgotten (it was scaled away without saying goodbye). */
export const FORGET_AFTER_MS = 10 * 60_000;

/** A peer as this node's membership knows it, with when it was last heard from (epoch ms, this node's clock). */
export interface MembershipPeer extends ClusterPeer {
  readonly leaving: boolean;
  readonly lastSeen: number;
}

/**
 * This process among every process that ever runs a broker: what it writes into its node id's claim,
 * so a second process started with the same NODE_ID is told apart and told who holds the id.
 */
export function instanceToken(): string {
  return `pid ${process.pid} on host ${hostname()}, instance ${randomBytes(6).toString('hex')}`;
}

/**
 * What a node knows of its cluster, whichever way the heartbeats travel: when it last heard of each
 * node (its own heartbeat included, in local time), which of them said they are leaving, its own state
 * and its leader lease.
 */
export class MembershipView {
  readonly logger = new Logger('Cluster');
  private readonly lastSeen = new Map<string, number>();
  /** Peers that announced they are leaving and have not left yet. */
  private readonly leavingPeers = new Set<string>();
  /** Set by the final leave: the heartbeats stop. */
  private hasLeft = false;
  private nodeState: ClusterNodeState = 'JOINING';
  private leaderUntil = 0;
  /** What the log last said about leadership: each change is said once, a lapsed lease included. */
  private saidLeading = false;
  private resolveJoined!: () => void;
  /** Settles once this node heard its own announcement back through Redis. */
  readonly joined = new Promise<void>((resolve) => (this.resolveJoined = resolve));
  /** This process's token in the claim on its node id. */
  readonly instance = instanceToken();
  /** Whether this process holds its node id (the claim's last answer). */
  private holdsId = false;
  private conflictReason?: string;
  private resolveHolding!: () => void;
  /** Settles once this process holds its node id: before that it must not announce itself nor serve clients. */
  readonly holding = new Promise<void>((resolve) => (this.resolveHolding = resolve));

  constructor(
    readonly nodeId: string,
    readonly heartbeatMs: number,
  ) {}

  get state(): ClusterNodeState {
    return this.nodeState;
  }

  /** Whether this process holds its node id, as the claim last answered. */
  get holdsNodeId(): boolean {
    return this.holdsId;
  }

  /** Why this node may not take part in its cluster: another live process holds its node id. */
  get conflict(): string | undefined {
    return this.conflictReason;
  }

  get isLeader(): boolean {
    return this.leaderUntil > Date.now();
  }

  /** This node said its final goodbye: nothing more is written or read. */
  get left(): boolean {
    return this.hasLeft;
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

  peers(): readonly MembershipPeer[] {
    const now = Date.now();
    const reachableSince = now - REACHABLE_WITHIN_HEARTBEATS * this.heartbeatMs;
    const peers: MembershipPeer[] = [];
    for (const [id, seen] of this.lastSeen) {
      if (id === this.nodeId) continue;
      if (seen < now - FORGET_AFTER_MS) {
        this.lastSeen.delete(id);
        this.leavingPeers.delete(id);
        continue;
      }
      const reachable = seen >= reachableSince;
      // A leaver that stops answering mid-leave is unreachable like any peer, not leaving forever.
      peers.push({ id, reachable, leaving: reachable && this.leavingPeers.has(id), lastSeen: seen });
    }
    return peers;
  }

  /** Node `id` was alive at `at` (local time). A leaving node no longer counts its own heartbeat; an id no broker may have is ignored. */
  heard(id: string, at = Date.now()): void {
    if (this.nodeState === 'LEAVING' && id === this.nodeId) return;
    // Only what a broker may be called (NODE_ID's rule): anything else in Redis was not written by a member.
    if (!isNodeId(id)) return;
    if (at > (this.lastSeen.get(id) ?? -Infinity)) this.lastSeen.set(id, at);
  }

  /** Node `id` said goodbye: dropped at once instead of reported unreachable. */
  peerLeft(id: string): void {
    this.leavingPeers.delete(id);
    if (id !== this.nodeId && this.lastSeen.delete(id)) this.logger.log(`node ${id} left the cluster`);
  }

  /** Node `id` announced it is leaving (its drain has begun); a node not heard of yet is not taken on by it. */
  peerLeaving(id: string): void {
    if (id === this.nodeId || !this.lastSeen.has(id) || this.leavingPeers.has(id)) return;
    this.leavingPeers.add(id);
    this.logger.log(`node ${id} is leaving the cluster`);
  }

  /** Node `id` announced itself (it started again): whatever it said before, it is not leaving. */
  peerStarted(id: string): void {
    this.leavingPeers.delete(id);
  }

  /** The whole list of leaving nodes, as the registry keeps it. */
  peersLeaving(ids: Iterable<string>): void {
    const now = new Set(ids);
    for (const id of this.leavingPeers) if (!now.has(id)) this.leavingPeers.delete(id);
    for (const id of now) this.peerLeaving(id);
  }

  /** The claim on the node id answered: '' when this process holds it, else the token of the live process that does. */
  claimed(holder: string): void {
    if (holder === '') {
      if (this.conflictReason) this.logger.log(`node id ${this.nodeId} is free again: this process holds it now`);
      this.holdsId = true;
      this.conflictReason = undefined;
      this.resolveHolding();
      return;
    }
    const reason =
      this.nodeState === 'JOINING'
        ? `node id ${this.nodeId} is held by a live member (${holder}); waiting for its lease to expire (${this.leaseMs} ms after that member stops)`
        : `node id ${this.nodeId} was taken by another live member (${holder}): this node is out of the cluster; two brokers must not share a NODE_ID`;
    if (reason !== this.conflictReason) this.logger.warn(reason);
    this.holdsId = false;
    this.conflictReason = reason;
  }

  /** This node's own announcement came back: JOINING turns RUNNING, once, and only while this process holds its node id. */
  running(): void {
    if (this.nodeState !== 'JOINING' || !this.holdsId) return;
    this.nodeState = 'RUNNING';
    this.logger.log(`node ${this.nodeId} joined the cluster`);
    this.resolveJoined();
  }

  /**
   * This node begins to leave (its drain): LEAVING, and no longer the leader, so a peer takes the lease
   * while this one still serves. Returns false if the node was already leaving.
   */
  leaving(): boolean {
    if (this.nodeState === 'LEAVING') return false;
    this.nodeState = 'LEAVING';
    this.logger.log(`node ${this.nodeId} is leaving the cluster`);
    this.released();
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

  /** The final goodbye was said. */
  gone(): void {
    this.hasLeft = true;
    this.released();
  }

  private sayLeadership(): void {
    const leads = this.isLeader;
    if (leads === this.saidLeading) return;
    this.saidLeading = leads;
    this.logger.log(leads ? `node ${this.nodeId} is the leader` : `node ${this.nodeId} is no longer the leader`);
  }
}
