import type { Logger } from '@nestjs/common';
import type { AedesPersistence } from 'aedes-persistence-types';
import type { Redis } from 'ioredis';
import type MQEmitterRedis from 'mqemitter-redis';
import type { EvictionPolicy } from './redis-eviction.js';
import { withTimeout } from './storage-state.js';

/** How long the storage component reads DEGRADED after Redis lost its data: long enough for an alert to fire. */
export const REDIS_EMPTIED_NOTICE_MS = 60 * 60 * 1000;
/** The topics on which aedes-persistence tells every node of a subscription added or removed (BroadcastPersistence). */
const SUBSCRIPTION_ADDED = '$SYS/sub/add';
const SUBSCRIPTION_REMOVED = '$SYS/sub/rm';
/** The set of clients with stored subscriptions, as aedes-persistence-redis names it. */
const CLIENTS_KEY = 'clients';
const RESTORE_CONCURRENCY = 16;

interface Subscription {
  topic: string;
  qos: number;
  [option: string]: unknown;
}

interface SubscriptionPersistence {
  subscriptionsByClient(client: { id: string }): Promise<Subscription[]>;
  addSubscriptions(client: { id: string }, subs: Subscription[]): Promise<unknown>;
}

/**
 * Notices Redis losing its data under the running broker (FLUSHALL, a restart without persistence, an evicted
 * key): a key written when storage opens is gone. The persistent sessions' subscriptions are then written back
 * from this node's copy of them, which follows every node's changes as Aedes broadcasts them; what cannot come
 * back (messages queued for offline sessions, retained messages, wills) is said in the log and, for
 * REDIS_EMPTIED_NOTICE_MS, in the storage component, DEGRADED.
 */
export class RedisEmptiedWatch {
  /** clientId → topic → subscription: the persistent sessions' subscriptions, as stored. */
  private readonly sessions = new Map<string, Map<string, Subscription>>();
  private readonly sentinelKey: string;
  private emptiedAt?: number;
  private notice?: string;
  private restorePending = false;
  /** Redis' evicted_keys (INFO stats) at the last check. */
  private evictedKeys?: number;
  /** How the last loss came about: keys evicted under maxmemory, or emptied. */
  private evicted?: string;

  constructor(
    private readonly persistence: AedesPersistence,
    private readonly control: Redis,
    private readonly mq: MQEmitterRedis.MQEmitterRedis,
    nodeId: string,
    private readonly logger: Logger,
    private readonly eviction: () => EvictionPolicy | undefined = () => undefined,
  ) {
    this.sentinelKey = `aedes-health:sentinel:${nodeId}`;
  }

  /** Writes the sentinel, then follows the subscriptions: every change broadcast from now on, and what is stored. */
  async start(): Promise<void> {
    await this.control.set(this.sentinelKey, new Date().toISOString());
    this.evictedKeys = await this.readEvictedKeys();
    await new Promise<void>((resolve) =>
      this.mq.on(
        '$SYS/sub/+',
        (packet, done) => (this.follow(packet as { topic: string; payload: unknown }), done()),
        () => resolve(),
      ),
    );
    const store = this.persistence as unknown as SubscriptionPersistence;
    for (const id of await this.control.smembers(CLIENTS_KEY)) {
      const subs = await store.subscriptionsByClient({ id });
      if (!this.sessions.has(id)) this.sessions.set(id, new Map(subs.map((sub) => [sub.topic, withoutClientId(sub)])));
    }
  }

  /** DEGRADED reason while the last emptying is recent. */
  get warning(): string | undefined {
    if (this.emptiedAt !== undefined && Date.now() - this.emptiedAt > REDIS_EMPTIED_NOTICE_MS) this.notice = undefined;
    return this.notice;
  }

  /** Called on every ping: notices an emptied Redis and writes the subscriptions back (again on the next ping if that failed). */
  async check(): Promise<void> {
    const evictedBefore = this.evictedKeys;
    this.evictedKeys = await this.readEvictedKeys();
    if ((await this.control.exists(this.sentinelKey)) === 0) {
      // Gone with other keys Redis evicted under maxmemory, not emptied: say so, and what to change.
      const policy = this.eviction();
      const evictedNow = this.evictedKeys !== undefined && evictedBefore !== undefined ? this.evictedKeys - evictedBefore : undefined;
      this.evicted =
        evictedNow !== undefined && evictedNow > 0
          ? `redis evicted ${evictedNow} keys under maxmemory-policy ${policy?.policy ?? '(unread)'}, this node's sentinel among them`
          : evictedNow === undefined && policy?.policy.startsWith('allkeys-') && policy.maxmemory > 0
            ? `redis lost this node's sentinel key under maxmemory-policy ${policy.policy} (evicted, or emptied)`
            : undefined;
      this.emptiedAt = Date.now();
      this.restorePending = true;
      await this.control.set(this.sentinelKey, new Date(this.emptiedAt).toISOString());
    }
    if (this.restorePending) await this.restore();
  }

  private async restore(): Promise<void> {
    const at = new Date(this.emptiedAt!).toISOString();
    const lost = this.evicted
      ? 'messages queued for offline sessions, retained messages and wills may have been evicted with it'
      : 'messages queued for offline sessions, retained messages and wills stored before then are lost';
    const what = this.evicted ? `${this.evicted} (at ${at}; set maxmemory-policy noeviction)` : `redis lost its data at ${at}`;
    const sessions = [...this.sessions].filter(([, subs]) => subs.size > 0);
    const store = this.persistence as unknown as SubscriptionPersistence;
    let failed = 0;
    for (let next = 0; next < sessions.length; next += RESTORE_CONCURRENCY) {
      await Promise.all(
        sessions.slice(next, next + RESTORE_CONCURRENCY).map(async ([id, subs]) => {
          const written = await withTimeout(
            store.addSubscriptions({ id }, [...subs.values()]).then(() => true),
            2000,
          ).catch(() => false);
          if (!written) failed++;
        }),
      );
    }
    const subscriptions = sessions.reduce((sum, [, subs]) => sum + subs.size, 0);
    if (failed > 0) {
      const notice = `${what}: ${lost}; the subscriptions of ${failed} of ${sessions.length} persistent sessions could not be written back yet`;
      if (this.notice !== notice) this.logger.warn(notice);
      this.notice = notice;
      throw new Error(notice);
    }
    this.restorePending = false;
    this.notice = `${this.evicted ? what : `${what} (emptied or restarted without persistence)`}: ${lost}; the ${subscriptions} subscriptions of ${sessions.length} persistent sessions were written back`;
    this.logger.warn(this.notice);
  }

  private async readEvictedKeys(): Promise<number | undefined> {
    const stats = await this.control.info('stats').catch(() => '');
    const evicted = /^evicted_keys:(\d+)/m.exec(stats)?.[1];
    return evicted === undefined ? undefined : Number(evicted);
  }

  private follow(packet: { topic: string; payload: unknown }): void {
    let change: { clientId: string; subs: Subscription[] };
    try {
      change = JSON.parse(String(packet.payload)) as typeof change;
    } catch {
      return;
    }
    const subs = this.sessions.get(change.clientId) ?? new Map<string, Subscription>();
    for (const sub of change.subs) {
      if (packet.topic === SUBSCRIPTION_ADDED) subs.set(sub.topic, withoutClientId(sub));
      else if (packet.topic === SUBSCRIPTION_REMOVED) subs.delete(sub.topic);
    }
    if (subs.size > 0) this.sessions.set(change.clientId, subs);
    else this.sessions.delete(change.clientId);
  }
}

function withoutClientId(sub: Subscription): Subscription {
  const { clientId: _clientId, ...subscription } = sub;
  return subscription as Subscription;
}
