import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Aedes } from 'aedes';
import type { Redis } from 'ioredis';
import type { ClusterMembership, ClusterNodeState, ClusterPeer } from 'nestjs-mqtt-health';
import { BROKER_CONFIG, type BrokerConfig } from '../config/index.js';

/** A peer whose last heartbeat is older than this many heartbeat intervals is unreachable. */
const REACHABLE_WITHIN_HEARTBEATS = 1.5;
/** A peer unheard of for this long is forgotten (it was scaled away without saying goodbye). */
const FORGET_AFTER_MS = 10 * 60_000;
const LEADER_KEY = 'aedes-health:leader';

// Renew the lease if we hold it, else take it if nobody does. 1 = we lead.
const ACQUIRE_OR_RENEW = `
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

type Packet = { topic: string; payload: Buffer | string };

/**
 * Cluster membership over the shared Redis emitter: every node hears every Aedes heartbeat
 * (`$SYS/<id>/heartbeat`) and keeps its own last-seen times, since Aedes forgets dead peers only every
 * fourth heartbeat. A leader is elected with a Redis lease (`SET NX PX`, renewed every heartbeat).
 */
@Injectable()
export class ClusterMembershipService implements ClusterMembership {
  private readonly logger = new Logger('Cluster');
  private readonly lastSeen = new Map<string, number>();
  private nodeState: ClusterNodeState = 'JOINING';
  private leaderUntil = 0;
  /** What the log last said about leadership: each change is said once, a lapsed lease included. */
  private saidLeading = false;
  private leaseTimer?: NodeJS.Timeout;
  private broker?: Aedes;
  private control?: Redis;
  private resolveJoined!: () => void;
  /** Settles once this node heard its own announcement back through Redis. */
  readonly joined = new Promise<void>((resolve) => (this.resolveJoined = resolve));

  constructor(@Inject(BROKER_CONFIG) private readonly config: BrokerConfig) {}

  get enabled(): boolean {
    return this.config.redisUrl !== undefined;
  }

  get nodeId(): string {
    return this.config.nodeId;
  }

  get state(): ClusterNodeState {
    return this.nodeState;
  }

  get isLeader(): boolean {
    return this.leaderUntil > Date.now();
  }

  /** While RUNNING, whether this node still hears its own heartbeat through Redis; false means cut off. */
  get connected(): boolean {
    if (this.nodeState !== 'RUNNING') return true;
    return (this.lastSeen.get(this.nodeId) ?? 0) >= Date.now() - REACHABLE_WITHIN_HEARTBEATS * this.config.heartbeatMs;
  }

  peers(): readonly ClusterPeer[] {
    const now = Date.now();
    const reachableSince = now - REACHABLE_WITHIN_HEARTBEATS * this.config.heartbeatMs;
    const peers: ClusterPeer[] = [];
    for (const [id, seen] of this.lastSeen) {
      if (id === this.nodeId) continue;
      if (seen < now - FORGET_AFTER_MS) this.lastSeen.delete(id);
      else peers.push({ id, reachable: seen >= reachableSince });
    }
    return peers;
  }

  /** Starts listening to heartbeats and announces this node; resolves once subscribed. */
  async join(broker: Aedes, control: Redis): Promise<void> {
    this.broker = broker;
    this.control = control;
    const seen = (packet: Packet, done: () => void) => {
      const id = packet.payload.toString();
      if (id === this.nodeId && this.nodeState === 'JOINING') {
        this.nodeState = 'RUNNING';
        this.logger.log(`node ${id} joined the cluster`);
        this.resolveJoined();
      }
      if (this.nodeState !== 'LEAVING' || id !== this.nodeId) this.lastSeen.set(id, Date.now());
      done();
    };
    const left = (packet: Packet, done: () => void) => {
      const id = packet.payload.toString();
      if (id !== this.nodeId && this.lastSeen.delete(id)) this.logger.log(`node ${id} left the cluster`);
      done();
    };
    await Promise.all([
      subscribe(broker, '$SYS/+/heartbeat', seen),
      subscribe(broker, '$SYS/+/birth', seen),
      subscribe(broker, '$SYS/+/leave', left),
    ]);
    // Announce now rather than at the next heartbeat, so peers and this node see each other at once.
    const announce = () =>
      broker.publish(
        { cmd: 'publish', topic: `$SYS/${broker.id}/birth`, payload: Buffer.from(this.nodeId), qos: 0, retain: false, dup: false },
        () => undefined,
      );
    announce();
    const retry = setInterval(() => (this.nodeState === 'JOINING' ? announce() : clearInterval(retry)), this.config.heartbeatMs);
    retry.unref();
    this.renewLease();
  }

  /** Says goodbye so peers drop this node at once instead of reporting it unreachable; gives up the lease. */
  async leave(): Promise<void> {
    if (!this.broker || this.nodeState === 'LEAVING') return;
    this.nodeState = 'LEAVING';
    clearTimeout(this.leaseTimer);
    const broker = this.broker;
    await new Promise<void>((resolve) =>
      broker.publish(
        { cmd: 'publish', topic: `$SYS/${broker.id}/leave`, payload: Buffer.from(this.nodeId), qos: 0, retain: false, dup: false },
        () => resolve(),
      ),
    );
    if (this.isLeader) await this.control?.eval(RELEASE, 1, LEADER_KEY, this.nodeId).catch(() => undefined);
    this.leaderUntil = 0;
    this.sayLeadership();
  }

  private sayLeadership(): void {
    const leads = this.isLeader;
    if (leads === this.saidLeading) return;
    this.saidLeading = leads;
    this.logger.log(leads ? `node ${this.nodeId} is the leader` : `node ${this.nodeId} is no longer the leader`);
  }

  private renewLease(): void {
    const leaseMs = 3 * this.config.heartbeatMs;
    const sentAt = Date.now();
    this.control!.eval(ACQUIRE_OR_RENEW, 1, LEADER_KEY, this.nodeId, String(leaseMs)).then(
      (result) => {
        // A renewal answered after leaving must not make the node leader again.
        this.leaderUntil = result === 1 && this.nodeState !== 'LEAVING' ? sentAt + leaseMs : 0;
        this.sayLeadership();
      },
      (error: Error) => {
        this.logger.debug(`leader lease: ${error.message}`);
        // The lease lapses by itself while Redis does not answer.
        this.sayLeadership();
      },
    );
    if (this.nodeState === 'LEAVING') return;
    this.leaseTimer = setTimeout(() => this.renewLease(), this.config.heartbeatMs);
    this.leaseTimer.unref();
  }
}

function subscribe(broker: Aedes, topic: string, handler: (packet: Packet, done: () => void) => void): Promise<void> {
  return new Promise((resolve) => broker.subscribe(topic, handler as never, () => resolve()));
}
