import type { AedesPersistence } from 'aedes-persistence-types';
import { queueWatchers, type NumberedPacket } from './numbered-packet.js';
import { PublishQueue } from './publish-queue.js';

type AsyncMethod = (...args: unknown[]) => Promise<unknown>;

/**
 * Makes the writes of the publish path finish in the order the messages arrived.
 *
 * Aedes routes a QoS 1/2 message once `outgoingEnqueueCombi` (the offline sessions' queues) has
 * finished, and every subscriber then drops any message whose broker counter is not above the last
 * one it took (`dedupe` in aedes lib/client.js). LevelDB finishes concurrent writes out of order
 * (each runs on its own worker thread), so a message overtaken by a later one was dropped for every
 * online subscriber although its publisher had its PUBACK. Here each message's enqueue is released
 * only after every earlier message's, so Aedes routes them in order; the writes still run concurrently.
 * A retained message is counted from its retained write, which comes one step earlier.
 *
 * Deliveries to one persistent session are released in order too (`outgoingUpdate`), so it receives
 * its messages in the order they were routed, as MQTT requires.
 */
export function releaseInArrivalOrder(persistence: AedesPersistence): void {
  // aedes-persistence's callback layer delegates every call to the async store it wraps.
  const store = ((persistence as unknown as { asyncPersistence?: object }).asyncPersistence ?? persistence) as unknown as Record<
    string,
    AsyncMethod
  >;
  const queue = new PublishQueue();
  const storeRetained = store.storeRetained.bind(store);
  const outgoingEnqueueCombi = store.outgoingEnqueueCombi.bind(store);
  const outgoingUpdate = store.outgoingUpdate.bind(store);

  store.storeRetained = (packet: unknown) => {
    const entry = queue.enter(packet as NumberedPacket);
    const stored = storeRetained(packet);
    if (entry)
      stored.then(
        () => entry.expectEnqueue(),
        () => queue.leave(entry),
      );
    return stored;
  };
  store.outgoingEnqueueCombi = (subs: unknown, packet: unknown) => {
    const entry = queue.enter(packet as NumberedPacket);
    const enqueued = outgoingEnqueueCombi(subs, packet);
    return entry ? queue.releaseInTurn(entry, enqueued) : enqueued;
  };

  inClientOrder(store, ['incomingGetPacket', 'incomingStorePacket']);

  const lastDelivery = new Map<string, Promise<unknown>>();
  store.outgoingUpdate = (client: unknown, packet: unknown) => {
    const id = (client as { id: string }).id;
    queueWatchers.get(client as object)?.(packet as NumberedPacket);
    const updated = outgoingUpdate(client, packet);
    const previous = lastDelivery.get(id);
    const inTurn = previous ? previous.then(() => updated) : updated;
    const settled = inTurn.then(
      () => undefined,
      () => undefined,
    );
    lastDelivery.set(id, settled);
    void settled.then(() => lastDelivery.get(id) === settled && lastDelivery.delete(id));
    return inTurn;
  };
}

/**
 * Makes the named calls of one client settle in the order they were made, each still running at once.
 *
 * Aedes stores a client's QoS 2 message (`incomingGetPacket` to find a retransmission, then
 * `incomingStorePacket`) before it routes the message and sends PUBREC, and numbers the message only when it
 * routes it. LevelDB finishes concurrent writes out of order, so a client with several QoS 2 messages in flight
 * had them routed, and acknowledged, out of order. Settled in call order, each message's store is called, and
 * finishes, after the one before it: Aedes routes them in the order they arrived (MQTT 3.1.1 §4.6).
 */
function inClientOrder(store: Record<string, AsyncMethod>, names: readonly string[]): void {
  const last = new Map<string, Promise<unknown>>();
  for (const name of names) {
    const call = store[name].bind(store);
    store[name] = (client: unknown, ...rest: unknown[]) => {
      const id = (client as { id?: string } | undefined)?.id;
      const result = call(client, ...rest);
      if (typeof id !== 'string') return result;
      const previous = last.get(id);
      const inTurn = previous ? previous.then(() => result) : result;
      const settled = inTurn.then(
        () => undefined,
        () => undefined,
      );
      last.set(id, settled);
      void settled.then(() => last.get(id) === settled && last.delete(id));
      return inTurn;
    };
  }
}
