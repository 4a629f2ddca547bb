import { setTimeout as sleep } from 'node:timers/promises';
import aedesPersistenceRedis from 'aedes-persistence-redis';
import type { AedesPersistence } from 'aedes-persistence-types';
import type { Redis } from 'ioredis';
import { releaseInArrivalOrder } from './arrival-order.js';
import { watchWrites, type StorageState } from './storage-state.js';

/**
 * Messages a persistent session gets on reconnect: LRANGE 0 -1, its whole queue. The persistence's
 * default (1000) leaves the rest in Redis until the client happens to reconnect again.
 */
const WHOLE_QUEUE = -1;

/**
 * aedes-persistence-redis on `connection`, made to keep what the broker acknowledged: writes finish in arrival
 * order, a SUBSCRIBE is stored once, failed writes reach `state`, and deliveries wait through an outage.
 */
export function openRedisPersistence(connection: Redis, state: StorageState, storageAnswers: () => boolean): AedesPersistence {
  const persistence = aedesPersistenceRedis({ conn: connection, maxSessionDelivery: WHOLE_QUEUE });
  releaseInArrivalOrder(persistence);
  storeEachSubscribeOnce(persistence);
  watchWrites(persistence, state);
  deliverThroughOutages(persistence, storageAnswers);
  return persistence;
}

/**
 * A QoS 1/2 delivery to a persistent session first records its message id, and the subscriber's
 * PUBACK clears it; if either fails, Aedes drops the delivery or the subscriber. A message already
 * acknowledged to its publisher would then live only in Redis, and a Redis that restarts empty
 * loses it. So these two wait through an outage (up to a minute) instead of failing.
 */
function deliverThroughOutages(persistence: AedesPersistence, storageAnswers: () => boolean): void {
  for (const method of ['outgoingUpdate', 'outgoingClearMessageId'] as const) {
    const call = persistence[method].bind(persistence) as (client: unknown, packet: unknown) => Promise<never>;
    persistence[method] = async (client: unknown, packet: unknown) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          return await call(client, packet);
        } catch (error) {
          if (Date.now() > deadline) throw error;
          do await sleep(100);
          while (!storageAnswers() && Date.now() < deadline);
        }
      }
    };
  }
}

/**
 * Aedes stores a SUBSCRIBE's whole list once per topic in it, all at once; aedes-persistence-redis then waits
 * for each store's broadcast under one key (client and first topic), so all but the last wait for ever and a
 * persistent session subscribing to two topics in one packet never gets its SUBACK. One store per list does.
 */
function storeEachSubscribeOnce(persistence: AedesPersistence): void {
  const store = ((persistence as unknown as { asyncPersistence?: object }).asyncPersistence ?? persistence) as unknown as {
    addSubscriptions(client: { id: string }, subs: object[]): Promise<unknown>;
  };
  const addSubscriptions = store.addSubscriptions.bind(store);
  const storing = new WeakMap<object[], Map<string, Promise<unknown>>>();
  store.addSubscriptions = (client, subs) => {
    const byClient = storing.get(subs) ?? new Map<string, Promise<unknown>>();
    storing.set(subs, byClient);
    let stored = byClient.get(client.id);
    if (!stored) {
      stored = addSubscriptions(client, subs).finally(() => byClient.delete(client.id));
      byClient.set(client.id, stored);
    }
    return stored;
  };
}
