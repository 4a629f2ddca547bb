import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { closeAll, closedAfter, connect, connectCollecting } from '../support/mqtt-clients.js';
import { freePort, hasBinary, RedisServer, waitFor } from '../support/processes.js';

const describeWithRedis = hasBinary('redis-server') ? describe : describe.skip;
const QUEUED = 5000;

/** The broker's log lines at WARN or ERROR level that match `pattern`. */
const warnings = (broker: BrokerProcess, pattern: RegExp) =>
  broker.log.split('\n').filter((line) => /\b(WARN|ERROR)\b/.test(line) && pattern.test(line));

describeWithRedis('demo broker on Redis: sessions and storage faults', () => {
  let redis: RedisServer;
  let admin: Redis;
  let node: BrokerProcess | undefined;
  const clients: MqttClient[] = [];
  const storage = async () => (await node!.health('storage')).body;

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    admin.on('error', () => undefined);
    await admin.connect();
    node = await BrokerProcess.start({ env: { REDIS_URL: redis.url, NODE_ID: 'sessions', HEARTBEAT_MS: '500' } });
  }, 30_000);

  afterAll(async () => {
    await closeAll(clients);
    await stopAll([node]);
    admin?.disconnect();
    await redis?.kill();
  });

  it(`delivers the whole offline queue (${QUEUED} QoS 1 messages) to a persistent subscriber on reconnect`, async () => {
    const subscriber = await connect(node!.mqttUrl, { clientId: 'queue-sub', clean: false });
    await subscriber.subscribeAsync('queue/items', { qos: 1 });
    await subscriber.endAsync();

    const publisher = await connect(node!.mqttUrl, { clientId: 'queue-pub' });
    clients.push(publisher);
    for (let start = 0; start < QUEUED; start += 500) {
      const batch = Array.from({ length: Math.min(500, QUEUED - start) }, (_, i) => String(start + i));
      await Promise.all(batch.map((payload) => publisher.publishAsync('queue/items', payload, { qos: 1 })));
    }

    const again = await connectCollecting(node!.mqttUrl, { clientId: 'queue-sub', clean: false });
    clients.push(again.client);
    const received = () => new Set(again.messages.map((m) => m.payload)).size;
    await waitFor(() => received() === QUEUED, 20_000, `${QUEUED} queued messages`, 200).catch(async (error: Error) => {
      await sleep(1000);
      throw new Error(`${error.message}: received ${received()} of ${QUEUED} on reconnect`);
    });
  }, 60_000);

  it('answers a persistent session that subscribes to several topics in one SUBSCRIBE, and delivers on each', async () => {
    const subscriber = await connect(node!.mqttUrl, { clientId: 'multi-sub', clean: false });
    clients.push(subscriber);
    const granted = await Promise.race([
      subscriber.subscribeAsync(['multi/a', 'multi/b', 'multi/c'], { qos: 1 }),
      sleep(3000).then(() => 'no SUBACK within 3 s'),
    ]);
    expect(granted).toEqual(['multi/a', 'multi/b', 'multi/c'].map((topic) => ({ topic, qos: 1 })));
    const publisher = await connect(node!.mqttUrl, { clientId: 'multi-pub' });
    clients.push(publisher);
    const got = new Set<string>();
    subscriber.on('message', (topic) => got.add(topic));
    for (const topic of ['multi/a', 'multi/b', 'multi/c']) await publisher.publishAsync(topic, 'x', { qos: 1 });
    await waitFor(() => got.size === 3, 3000, 'a message on each topic');
  });

  it('turns storage DOWN with the raw error while Redis refuses writes (OOM), refuses QoS 1, and recovers by itself', async () => {
    await admin.config('SET', 'maxmemory', '1');
    try {
      const down = await waitFor(
        async () => {
          const s = await storage();
          return s.status === 'DOWN' && s;
        },
        3000,
        'storage to go DOWN while Redis is out of memory',
      );
      expect(down.details).toMatchObject({ reason: 'storage unavailable', error: expect.stringMatching(/^OOM /) });
      expect((await node!.health('readiness')).status).toBe(503);
      const qos1 = await connect(node!.mqttUrl, { clientId: 'oom-qos1' });
      qos1.on('error', () => undefined);
      clients.push(qos1);
      expect(await closedAfter(qos1, () => qos1.publish('oom/refused', 'x', { qos: 1 }), 1000)).toBe(true);
      // The broker says it once; the Health lines of the transition carry it as their cause.
      expect(warnings(node!, /\[Broker\].*OOM command not allowed/)).toHaveLength(1);
      expect(warnings(node!, /\[Health\].*storage: UP -> DOWN \(storage unavailable: OOM command not allowed/)).toHaveLength(1);
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
    await waitFor(async () => (await storage()).status === 'UP', 3000, 'storage UP once Redis accepts writes');
    await waitFor(async () => (await node!.health('readiness')).status === 200, 2000, 'readiness 200 again');
  }, 20_000);

  it('says "max retries" at most once per Redis outage, not every few seconds', async () => {
    const before = warnings(node!, /max retries/i).length;
    await redis.kill();
    await waitFor(async () => (await storage()).status === 'DOWN', 5000, 'storage DOWN during the outage');
    // Several rounds of the broker's will sweep (every 4 heartbeats) and of ioredis's failed retries.
    await sleep(9000);
    const during = warnings(node!, /max retries/i).length - before;
    await redis.start();
    await waitFor(async () => (await node!.health('readiness')).status === 200, 10_000, 'readiness 200 after the outage');
    expect(during).toBeLessThanOrEqual(1);
    expect(warnings(node!, /connection lost/).length).toBeGreaterThanOrEqual(1);
  }, 30_000);
});
