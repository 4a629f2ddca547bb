import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type { Aedes } from 'aedes';
import type { Redis } from 'ioredis';
import type { ClusterMembership, ClusterNodeState } from 'nestjs-mqtt-health';
import { BROKER_CONFIG, type BrokerConfig } from '../config/index.js';
import { EmitterHeartbeats } from './emitter-heartbeats.js';
import { FleetStore } from './fleet-store.js';
import { RegistryHeartbeats } from './registry-heartbeats.js';
import { MembershipView, type MembershipPeer } from './membership-view.js';

/**
 * How heartbeats travel. `registry` (default): one Redis sorted set of last-write times, written and read
 * with one EVAL per half heartbeat that answers only what changed; constant work per node at any fleet
 * size. `emitter`: every node hears every Aedes heartbeat through the shared emitter; N deliveries per
 * node per heartbeat, N² for the fleet.
 */
export type ClusterMembershipMode = 'registry' | 'emitter';

/** What the service reads of the broker's configuration; `clusterMembership` defaults to `registry`. */
export type ClusterConfig = Pick<BrokerConfig, 'redisUrl' | 'nodeId' | 'heartbeatMs'> & {
  readonly clusterMembership?: ClusterMembershipMode;
};

/**
 * Cluster membership through Redis: which nodes are alive (a peer silent for 1.5 heartbeats is
 * unreachable, one silent for 10 minutes forgotten, one that leaves cleanly dropped at once) and which
 * are leaving, this node's state (JOINING until its own heartbeat comes back, RUNNING, LEAVING from the
 * start of its drain) and a leader elected with a Redis lease (`SET NX PX`, three heartbeats long,
 * renewed with every heartbeat, given up when the drain begins).
 */
@Injectable()
export class ClusterMembershipService implements ClusterMembership, BeforeApplicationShutdown {
  private readonly view: MembershipView;
  private heartbeats?: EmitterHeartbeats | RegistryHeartbeats;
  /** Aborted by shutdown: a join still waiting for its node id rejects. */
  private readonly stopping = new AbortController();
  /** Why Redis refuses this broker (REDIS_URL's credentials), while it does. */
  private redisRefusal?: string;
  /** Why Redis cannot be reached, while it cannot. */
  private unreachable?: string;
  /** Settles once this node heard its own announcement back through Redis. */
  readonly joined: Promise<void>;
  /** The members' health summaries, shared through Redis once this node has joined (`fleet.start`), deleted at its leave. */
  readonly fleet: FleetStore;

  constructor(@Inject(BROKER_CONFIG) private readonly config: ClusterConfig) {
    this.view = new MembershipView(config.nodeId, config.heartbeatMs);
    this.joined = this.view.joined;
    this.fleet = new FleetStore(this.view);
  }

  get enabled(): boolean {
    return this.config.redisUrl !== undefined;
  }

  get mode(): ClusterMembershipMode {
    return this.config.clusterMembership ?? 'registry';
  }

  get nodeId(): string {
    return this.config.nodeId;
  }

  get state(): ClusterNodeState {
    return this.view.state;
  }

  get isLeader(): boolean {
    return this.view.isLeader;
  }

  /** While RUNNING, whether this node still hears its own heartbeat through Redis; false means cut off. */
  get connected(): boolean {
    return this.view.connected;
  }

  /** Why this node may not take part in its cluster: another live process holds its node id, or Redis refuses its credentials. */
  get conflict(): string | undefined {
    return this.view.conflict ?? this.redisRefusal;
  }

  /** Redis refuses this broker's credentials (a reason), or accepts them again (undefined). */
  refusedByRedis(refusal: string | undefined): void {
    this.redisRefusal = refusal;
  }

  /** While JOINING, the dependency this node cannot reach yet (`redis unreachable: connect ECONNREFUSED …`). */
  get waitingFor(): string | undefined {
    return this.state === 'JOINING' ? this.unreachable : undefined;
  }

  /** Redis cannot be reached (why), or can again (undefined). */
  dependencyUnreachable(cause: string | undefined): void {
    this.unreachable = cause;
  }

  peers(): readonly MembershipPeer[] {
    return this.view.peers();
  }

  /**
   * Starts the heartbeats; resolves once this process holds its node id and has announced itself, so
   * a second process started with the same NODE_ID serves no client while the first one lives. Rejects
   * if shutdown begins first.
   */
  async join(broker: Aedes, control: Redis): Promise<void> {
    const Heartbeats = this.mode === 'emitter' ? EmitterHeartbeats : RegistryHeartbeats;
    this.heartbeats = new Heartbeats(this.view, broker, control);
    await this.heartbeats.start();
    const { signal } = this.stopping;
    signal.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      void this.view.holding.then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /** Shutdown begins: a join still waiting for the node id gives up (before the drain). */
  beforeApplicationShutdown(): void {
    const reason = new Error(`shutting down before node id ${this.nodeId} was free`);
    this.stopping.abort(Object.assign(reason, { name: 'AbortError' }));
  }

  /**
   * The drain begins: LEAVING, and peers told so through the cluster's transport, so they read DEGRADED
   * (a topology change in progress) until this node is gone. Heartbeats go on until `leave()`: a node
   * that dies mid-leave turns unreachable like any other. Resolves once said (or failed to be).
   */
  async announceLeaving(): Promise<void> {
    if (!this.heartbeats || !this.view.leaving()) return;
    await this.heartbeats.announceLeaving().catch((error: Error) => this.view.logger.debug(`leaving: ${error.message}`));
  }

  /**
   * Says goodbye so peers drop this node at once instead of reporting it unreachable; gives up the lease;
   * deletes this node's health summary, so no member lists it any more.
   */
  async leave(): Promise<void> {
    if (!this.heartbeats || this.view.left) return;
    this.view.leaving();
    this.view.gone();
    await this.heartbeats.leave();
    await this.fleet.leave();
  }
}
