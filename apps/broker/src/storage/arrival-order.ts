import type { AedesPersistence } from 'aedes-persistence-types';

/** The fields of a message that Aedes numbers as it arrives (aedes-packet: `brokerCounter = ++broker.counter`). */
interface NumberedPacket {
  qos?: number;
  brokerId?: string;
  brokerCounter?: number;
}

/** How long a retained QoS 1/2 message may sit between its retained write and its queue write before it stops holding others back. */
const RETAINED_TO_ENQUEUE_MS = 1000;

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

interface Entry {
  readonly packet: NumberedPacket;
  readonly counter: number;
  /** Set once the enqueue finished: hands its outcome to Aedes. */
  release?: () => void;
  retainedTimer?: NodeJS.Timeout;
  expectEnqueue(): void;
}

/** The QoS 1/2 messages of this broker between their first write and their release, in arrival order. */
class PublishQueue {
  private readonly waiting: Entry[] = [];
  private readonly byPacket = new Map<object, Entry>();
  private brokerId?: string;

  /** The message's entry (created on its first write); undefined when it is not ordered (QoS 0, or not numbered). */
  enter(packet: NumberedPacket): Entry | undefined {
    if (!packet || !(packet.qos! > 0) || typeof packet.brokerCounter !== 'number' || !packet.brokerId) return undefined;
    const known = this.byPacket.get(packet);
    if (known) {
      clearTimeout(known.retainedTimer);
      return known;
    }
    // Counters are per broker; a message numbered elsewhere is not ordered against ours.
    this.brokerId ??= packet.brokerId;
    if (packet.brokerId !== this.brokerId) return undefined;
    const entry: Entry = {
      packet,
      counter: packet.brokerCounter,
      expectEnqueue: () => {
        // Aedes enqueues right after the retained write; should it not (an error in between), stop waiting.
        entry.retainedTimer = setTimeout(() => this.leave(entry), RETAINED_TO_ENQUEUE_MS).unref();
      },
    };
    this.byPacket.set(packet, entry);
    let at = this.waiting.length;
    while (at > 0 && this.waiting[at - 1].counter > entry.counter) at--;
    this.waiting.splice(at, 0, entry);
    return entry;
  }

  /** Resolves (or rejects) like `write`, once every earlier message has been released. */
  releaseInTurn<T>(entry: Entry, write: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      write.then(
        (value) => (entry.release = () => resolve(value)),
        (error: unknown) => (entry.release = () => reject(error)),
      );
      void write.then(
        () => this.releaseReady(),
        () => this.releaseReady(),
      );
    });
  }

  leave(entry: Entry): void {
    clearTimeout(entry.retainedTimer);
    this.byPacket.delete(entry.packet);
    const at = this.waiting.indexOf(entry);
    if (at >= 0) this.waiting.splice(at, 1);
    this.releaseReady();
  }

  private releaseReady(): void {
    while (this.waiting.length > 0 && this.waiting[0].release) {
      const entry = this.waiting.shift()!;
      this.byPacket.delete(entry.packet);
      entry.release!();
    }
  }
}

type Deliver = (packet: NumberedPacket, done: () => void) => void;

/** The parts of an Aedes client that decide whether a routed message is delivered. */
interface DeliveringClient {
  id?: string;
  clean?: boolean;
  duplicates: Record<string, number>;
  deliver0: Deliver;
  deliverQoS: Deliver;
  close(done?: () => void): unknown;
  once(event: 'connected', listener: () => void): unknown;
  broker: {
    persistence: { outgoingEnqueueCombi(subs: object[], packet: object): Promise<unknown> };
    emit(event: 'error', error: Error): boolean;
  };
}

/** Called with each queued message a client's session sends it (Aedes `emptyQueue` updates each one as it goes). */
const queueWatchers = new WeakMap<object, (packet: NumberedPacket) => void>();

/**
 * Live messages held for one client while its connection is set up and its session's queue sent. Past this, a
 * QoS 0 message is dropped (at most once allows it) and a QoS 1/2 one goes to the session's queue in the store.
 */
const MAX_HELD = 10_000;

const messageKey = (packet: NumberedPacket) =>
  packet.brokerId && typeof packet.brokerCounter === 'number' ? `${packet.brokerCounter}@${packet.brokerId}` : undefined;

/** Counters Aedes' dedupe reads as "nothing delivered yet" and never records. */
const NO_COUNTERS = new Proxy(Object.create(null) as Record<string, number>, {
  get: () => undefined,
  set: () => true,
  deleteProperty: () => true,
});
/** Copies of one message (one per matching subscription) reach a client together: a short memory finds them. */
const RECENT_MESSAGES = 1024;

/**
 * Delivers every message routed to `client` once, including those that arrive out of order. Aedes instead drops
 * any message whose broker counter is not above the last one the client got (`dedupe` in aedes lib/client.js):
 * a QoS 1 message still being stored is then dropped for every online subscriber that meanwhile got a later
 * QoS 0 message (on any topic), and a session coming back loses the queued messages older than a live one. Here
 * only a second copy of the same message (one that matches two of the client's subscriptions) is left out.
 * Call it before the client connects (Aedes' `preConnect`).
 */
export function deliverEveryMessage(client: object): void {
  const delivering = client as DeliveringClient;
  const recent = new Set<string>();
  const firstCopy = (packet: NumberedPacket) => {
    const key = messageKey(packet);
    if (key === undefined) return true;
    if (recent.has(key)) return false;
    recent.add(key);
    if (recent.size > RECENT_MESSAGES) recent.delete(recent.values().next().value!);
    return true;
  };
  delivering.duplicates = NO_COUNTERS;
  const deliver0 = delivering.deliver0;
  const deliverQoS = delivering.deliverQoS;
  const once0: Deliver = (packet, done) => (firstCopy(packet) ? deliver0(packet, done) : setImmediate(done));
  // A QoS 0 packet goes on to deliver0, which counts it.
  const onceQoS: Deliver = (packet, done) => (packet.qos === 0 || firstCopy(packet) ? deliverQoS(packet, done) : setImmediate(done));
  const hold = holdWhileQueueIsSent(delivering);
  delivering.deliver0 = (packet, done) => hold(once0, packet, done);
  delivering.deliverQoS = (packet, done) => hold(onceQoS, packet, done);
}

/**
 * Holds the live messages routed to `client` until its connection is set up, its session's queue sent included
 * (Aedes emits `connected` then), and delivers them after the queue, leaving out those the queue already had. A
 * session coming back receives what was queued for it before what was published after it, in each publisher's
 * order, as MQTT requires; Aedes restores its subscriptions before it sends its queue, so the two would interleave.
 * Nothing reaches the client before its CONNACK (MQTT-3.2.0-1: a PUBLISH written first left an mqtt.js client
 * waiting for ever). Should the connection close first, the held QoS 1/2 messages of a persistent session are
 * queued for its next one. Past MAX_HELD held messages, see MAX_HELD.
 */
function holdWhileQueueIsSent(client: DeliveringClient): (deliver: Deliver, packet: NumberedPacket, done: () => void) => void {
  let held: Array<[Deliver, NumberedPacket]> | undefined = [];
  const queued = new Set<string>();
  queueWatchers.set(client, (packet) => {
    const key = messageKey(packet);
    if (key !== undefined) queued.add(key);
  });
  /** Into the session's queue in the store, for its next connection (or this one, if its queue is not read yet). */
  const enqueue = (packet: NumberedPacket) => {
    const { topic, qos } = packet as NumberedPacket & { topic: string; qos: number };
    client.broker.persistence
      .outgoingEnqueueCombi([{ clientId: client.id, topic, qos }], packet)
      .catch((error: Error) => client.broker.emit('error', error));
  };
  const release = (closing: boolean) => {
    const waiting = held;
    held = undefined;
    queueWatchers.delete(client);
    for (const [deliver, packet] of waiting ?? []) {
      const key = messageKey(packet);
      if (key !== undefined && queued.has(key)) continue;
      if (closing && packet.qos! > 0 && client.clean === false) enqueue(packet);
      else deliver(packet, () => undefined);
    }
    queued.clear();
  };
  client.once('connected', () => release(false));
  const close = client.close.bind(client);
  client.close = (done) => {
    release(true);
    return close(done);
  };
  return (deliver, packet, done) => {
    if (!held) return deliver(packet, done);
    if (held.length < MAX_HELD) held.push([deliver, packet]);
    else if (packet.qos! > 0 && client.clean === false) enqueue(packet);
    // The emitter waits for every subscriber's answer before it routes more: held is answered.
    setImmediate(done);
  };
}
