import { messageKey, queueWatchers, type NumberedPacket } from './numbered-packet.js';

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

/**
 * Live messages held for one client while its connection is set up and its session's queue sent. Past this, a
 * QoS 0 message is dropped (at most once allows it) and a QoS 1/2 one goes to the session's queue in the store.
 */
const MAX_HELD = 10_000;

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
