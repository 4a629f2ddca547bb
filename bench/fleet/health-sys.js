// An MQTT client subscribed to `$SYS/+/health` on one broker: every message it receives, to be compared
// with the summaries each node shared (exactly once each: none missing, none twice).
import mqtt from 'mqtt';

export const HEALTH_TOPICS = '$SYS/+/health';

/** Connects to `url` and subscribes; resolves with the subscriber once subscribed. */
export async function subscribeHealth(url) {
  const client = await mqtt.connectAsync(url, { clientId: `fleet-bench-${process.pid}`, reconnectPeriod: 0, connectTimeout: 5000 });
  const messages = [];
  client.on('message', (topic, payload, packet) => {
    let body;
    try {
      body = JSON.parse(payload.toString());
    } catch {
      body = undefined;
    }
    messages.push({
      at: performance.now(),
      node: topic.split('/')[1],
      retained: packet.retain,
      status: body?.status,
      updatedAt: body?.['updated-at'] ?? body?.updatedAt,
    });
  });
  await client.subscribeAsync(HEALTH_TOPICS, { qos: 0 });
  return { messages, close: () => client.endAsync() };
}

/**
 * Per node of `members`, the summaries it shared since `mark` against the live (not retained)
 * `$SYS/<node>/health` messages received since `mark`: changes, received, missing, duplicated;
 * plus how many `$SYS/fleet/health` messages and how many for other nodes arrived.
 */
export function compareDeliveries(members, subscriber, mark) {
  const live = subscriber.messages.slice(mark.messages).filter((m) => !m.retained);
  const byNode = new Map();
  for (const m of live) byNode.set(m.node, [...(byNode.get(m.node) ?? []), m]);
  let changes = 0;
  let received = 0;
  let missing = 0;
  let duplicated = 0;
  let nodesOff = 0;
  /** Components other than the bench's that were not UP in a summary shared: what else changed. */
  const alsoFailing = {};
  for (const member of members) {
    const shared = member.shares.slice(mark.shares.get(member.id));
    for (const name of shared.flatMap((s) => s.failing).filter((name) => name !== 'bench'))
      alsoFailing[name] = (alsoFailing[name] ?? 0) + 1;
    const got = byNode.get(member.id) ?? [];
    byNode.delete(member.id);
    changes += shared.length;
    received += got.length;
    const seen = new Map();
    for (const m of got) seen.set(m.updatedAt, (seen.get(m.updatedAt) ?? 0) + 1);
    const nodeMissing = shared.filter((s) => !seen.has(s.updatedAt)).length;
    const nodeDuplicated = [...seen.values()].reduce((sum, count) => sum + count - 1, 0);
    missing += nodeMissing;
    duplicated += nodeDuplicated;
    if (nodeMissing || nodeDuplicated || got.length !== shared.length) nodesOff++;
  }
  const fleetMessages = byNode.get('fleet')?.length ?? 0;
  byNode.delete('fleet');
  const others = [...byNode.values()].reduce((sum, list) => sum + list.length, 0);
  return { changes, received, missing, duplicated, nodesOff, fleetMessages, others, alsoFailing };
}

/** Where the comparison starts: the messages and shares so far. */
export function markDeliveries(members, subscriber) {
  return { messages: subscriber.messages.length, shares: new Map(members.map((m) => [m.id, m.shares.length])) };
}
