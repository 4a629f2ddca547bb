import type { Aedes } from 'aedes';
import type { Redis } from 'ioredis';
import { announceUntilJoined, publishSys, subscribeSys, type SysHandler } from './aedes-sys.js';
import { FORGET_AFTER_MS, REACHABLE_WITHIN_HEARTBEATS, type MembershipView } from './membership-view.js';
import {
  HEARTBEAT,
  HEARTBEATS_KEY,
  LEADER_KEY,
  LEAVE,
  LEAVING_KEY,
  MEMBERS_VERSION_KEY,
  nodeClaimKey,
  runScript,
} from './redis-scripts.js';

/**
 * The registry is written and read this many times per HEARTBEAT_MS, so a live peer looks at most one
 * heartbeat old here (half to write, half to read): the same margin under the 1.5-heartbeat
 * reachability as a heartbeat pushed once per interval.
 */
export const BEATS_PER_HEARTBEAT = 2;
/**
 * A read returns the times of the nodes silent for this many heartbeats or more; every other node wrote
 * more recently than that. A peer is then exactly timed from 0.6 heartbeats of silence on, well before
 * it turns unreachable at 1.5, and a live one (silent half a heartbeat at most) is rarely returned.
 */
export const STALE_AFTER_HEARTBEATS = 0.6;
/** A node of the emitter design was heard this recently: publish Aedes heartbeats for it too. */
const LEGACY_WITHIN_HEARTBEATS = 3;

type Reply = [now: number, lead: number, version: string, stale: string[], all: string[] | null, holder: string, leaving: string[] | null];

/**
 * CLUSTER_MEMBERSHIP=registry: each node writes its time into one Redis sorted set with one EVALSHA per
 * half heartbeat (lease included), which answers only what the node does not know: the nodes silent for
 * a while, and the whole set when a node joined, left or was forgotten. A constant number of commands,
 * O(log N) Redis work and no pub/sub delivery per node, instead of N heartbeats received per interval.
 * Aedes's own heartbeat, which every node would still receive, is stopped: its will sweep learns the
 * live brokers from the registry. A node that begins to leave says so with its next write, made at
 * once, and keeps writing until its final leave. Nodes still on the emitter design (a rolling upgrade)
 * are noticed by their heartbeats, and meanwhile get Aedes heartbeats and leave messages from this node.
 */
export class RegistryHeartbeats {
  private timer?: NodeJS.Timeout;
  /** Writes sent and not answered yet: against a hung Redis, beats must not pile up behind each other. */
  private inFlight = 0;
  private wroteBack = false;
  private heardBirth = false;
  /** Births count from this node's own announcement on, made once it holds its node id. */
  private announced = false;
  private version = '';
  /** Nodes in the registry at the last full read, those that left excluded. */
  private members = new Set<string>();
  /** Every id in the registry at the last full read, those that left included. */
  private known = new Set<string>();
  private legacyHeardAt = -Infinity;
  private readonly keys: string[];

  constructor(
    private readonly view: MembershipView,
    private readonly broker: Aedes,
    private readonly control: Redis,
  ) {
    this.keys = [HEARTBEATS_KEY, MEMBERS_VERSION_KEY, LEADER_KEY, nodeClaimKey(view.nodeId), LEAVING_KEY];
  }

  private get staleMs(): number {
    return STALE_AFTER_HEARTBEATS * this.view.heartbeatMs;
  }

  /** Starts the heartbeats and announces this node; resolves once subscribed. */
  async start(): Promise<void> {
    const view = this.view;
    this.stopAedesHeartbeat();
    // Aedes subscribes to both already: no extra Redis subscription. In a fleet of this design only
    // births arrive, one per node start.
    const birth: SysHandler = (packet, done) => {
      if (this.announced && packet.payload.toString() === view.nodeId) {
        this.heardBirth = true;
        this.joinedWhenBoth();
      }
      done();
    };
    const heartbeat: SysHandler = (packet, done) => {
      const id = packet.payload.toString();
      if (id !== view.nodeId && !this.known.has(id)) this.heardLegacy(id);
      done();
    };
    await Promise.all([subscribeSys(this.broker, 'birth', birth), subscribeSys(this.broker, 'heartbeat', heartbeat)]);
    // JOINING until both come back: the birth through the emitter, the heartbeat through the registry;
    // announced only once this process holds its node id, which another live process may hold.
    void view.holding.then(() => {
      this.announced = true;
      announceUntilJoined(this.broker, view);
    });
    this.beat();
  }

  /** The view turned LEAVING: written now, not at the next beat; resolves once Redis answered (or refused). */
  async announceLeaving(): Promise<void> {
    if (this.legacyNearby && this.view.holdsNodeId) await publishSys(this.broker, 'leaving', this.view.nodeId);
    await this.write();
  }

  /** Marks this node gone in the registry, so peers drop it at once, and gives up the lease. */
  async leave(): Promise<void> {
    clearTimeout(this.timer);
    if (this.legacyNearby && this.view.holdsNodeId) await publishSys(this.broker, 'leave', this.view.nodeId);
    // Unannounced, the peers see this node vanish: unreachable until they forget it. Worth a line for the operator.
    await runScript(this.control, LEAVE, this.keys, [this.view.nodeId, String(FORGET_AFTER_MS), this.view.instance]).catch((error: Error) =>
      this.view.logger.warn(`could not announce the leave (${error.message}): peers will read this node unreachable until they forget it`),
    );
  }

  private get legacyNearby(): boolean {
    return Date.now() - this.legacyHeardAt < LEGACY_WITHIN_HEARTBEATS * this.view.heartbeatMs;
  }

  private beat(): void {
    const view = this.view;
    if (view.left) return;
    this.timer = setTimeout(() => this.beat(), view.heartbeatMs / BEATS_PER_HEARTBEAT);
    this.timer.unref();
    if (this.legacyNearby) void publishSys(this.broker, 'heartbeat', view.nodeId);
    if (this.inFlight === 0) void this.write();
  }

  /** One HEARTBEAT: this node's time and whether it is leaving written, what changed read back. */
  private async write(): Promise<void> {
    const view = this.view;
    this.inFlight++;
    const sentAt = Date.now();
    const leaving = view.state === 'LEAVING' ? '1' : '0';
    const args = [
      view.nodeId,
      String(view.leaseMs),
      String(FORGET_AFTER_MS),
      String(this.staleMs),
      this.version,
      view.instance,
      leaving,
      // A leader silent this long is unreachable to every peer: its lease is taken now, not when it lapses.
      String(REACHABLE_WITHIN_HEARTBEATS * view.heartbeatMs),
    ];
    try {
      const reply = (await runScript(this.control, HEARTBEAT, this.keys, args)) as Reply;
      if (view.left) return;
      view.claimed(reply[5]);
      view.leased(reply[1], sentAt);
      this.read(reply);
    } catch (error) {
      view.leaseFailed(error as Error);
    } finally {
      this.inFlight--;
    }
  }

  /** Last-seen times from the registry, turned from Redis's clock into this node's by their age. */
  private read([redisNow, , version, stale, all, holder, leaving]: Reply): void {
    const at = Date.now();
    const seen = (wrote: string) => at - Math.max(0, redisNow - Number(wrote));
    if (all) {
      this.version = version;
      this.members = new Set();
      this.known = new Set();
      for (let i = 0; i + 1 < all.length; i += 2) {
        this.known.add(all[i]);
        if (Number(all[i + 1]) < 0) this.view.peerLeft(all[i]);
        else this.members.add(all[i]);
      }
    }
    const timed = new Set<string>();
    for (let i = 0; i + 1 < stale.length; i += 2) {
      timed.add(stale[i]);
      this.alive(stale[i], seen(stale[i + 1]));
    }
    // Every other node wrote within the stale window; this one just now, unless another process holds its id.
    const mine = holder === '';
    for (const id of this.members) if (!timed.has(id)) this.alive(id, mine && id === this.view.nodeId ? at : at - this.staleMs);
    if (all) this.view.peersLeaving(leaving ?? []);
    if (mine && this.members.has(this.view.nodeId)) {
      this.wroteBack = true;
      this.joinedWhenBoth();
    }
  }

  private alive(id: string, at: number): void {
    this.view.heard(id, at);
    // Aedes's will sweep keeps a client's will while its broker was heard within 3 heartbeats.
    const brokers = this.broker.brokers as Record<string, number>;
    if (at > (brokers[id] ?? 0)) brokers[id] = at;
  }

  private joinedWhenBoth(): void {
    if (this.wroteBack && this.heardBirth) this.view.running();
  }

  private heardLegacy(id: string): void {
    if (!this.legacyNearby) {
      this.view.logger.log(`node ${id} uses CLUSTER_MEMBERSHIP=emitter: publishing Aedes heartbeats for it`);
      void publishSys(this.broker, 'heartbeat', this.view.nodeId);
    }
    this.legacyHeardAt = Date.now();
  }

  /**
   * Aedes publishes `$SYS/<id>/heartbeat` to every node each heartbeatInterval only to keep its list of
   * live brokers for the will sweep (`broker.brokers`), which the registry now keeps: stop it. If this
   * Aedes has no such timer, its heartbeats go on, costing deliveries but nothing else.
   */
  private stopAedesHeartbeat(): void {
    const timer = (this.broker as unknown as { _heartbeatInterval?: NodeJS.Timeout })._heartbeatInterval;
    if (timer === undefined) this.view.logger.debug('no Aedes heartbeat timer to stop: Aedes keeps publishing its heartbeat');
    clearInterval(timer);
  }
}
