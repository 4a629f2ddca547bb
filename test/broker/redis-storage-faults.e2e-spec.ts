import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { faultMatrixEnv, recordFault } from '../support/fault-matrix.js';
import { closeAll, closedAfter, connect, connectCollecting, nextMessage } from '../support/mqtt-clients.js';
import { freePort, hasBinary, RedisServer, waitFor } from '../support/processes.js';

const describeWithRedis = hasBinary('redis-server') ? describe : describe.skip;
const MB = 1024 * 1024;

describeWithRedis('demo broker on Redis at its maxmemory', () => {
  let redis: RedisServer;
  let admin: Redis;
  let node: BrokerProcess | undefined;
  const clients: MqttClient[] = [];
  const storage = async () => (await node!.health('storage')).body;

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    admin.on('error', () => undefined);
    node = await BrokerProcess.start({
      env: { REDIS_URL: redis.url, NODE_ID: 'maxmemory', HEARTBEAT_MS: '1000', ...(await faultMatrixEnv()) },
    });
  }, 30_000);

  afterAll(async () => {
    await closeAll(clients);
    await stopAll([node]);
    admin?.disconnect();
    await redis?.kill();
  });

  it('stays DOWN while real writes would be refused (no flapping), acknowledges no QoS 1 meanwhile, and recovers once there is room', async () => {
    const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', String(used + 2 * MB));

    // Retained 4 KB QoS 1 messages on distinct topics until Redis is full and the broker refuses one.
    const filler = await connect(node!.mqttUrl, { clientId: 'redis-filler' });
    filler.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => filler.once('close', () => resolve()));
    let stored = 0;
    for (let refused = false; !refused && stored < 5000;) {
      refused = await Promise.race([
        filler.publishAsync(`fill/${stored}`, randomBytes(4096), { qos: 1, retain: true }).then(
          () => (stored++, false),
          () => true,
        ),
        closed.then(() => true),
      ]);
    }
    const refusedAt = Date.now();
    expect(stored).toBeGreaterThan(50);
    expect(stored).toBeLessThan(5000);
    await waitFor(async () => (await storage()).status === 'DOWN', 3000, 'storage DOWN once Redis refuses writes');
    const msToDown = Date.now() - refusedAt;
    await waitFor(async () => (await node!.health('readiness')).status === 503, 2000, 'readiness 503', 20);
    await recordFault('Redis at maxmemory', 25, node!, msToDown);

    // For several refreshes: storage never reads UP, and every QoS 1 publish is refused, never acknowledged.
    const seen = new Set<string>();
    let acknowledged = 0;
    let attempts = 0;
    const until = Date.now() + 6000;
    while (Date.now() < until) {
      const publisher = await connect(node!.mqttUrl, { clientId: `redis-full-${attempts++}` });
      publisher.on('error', () => undefined);
      clients.push(publisher);
      const payload = randomBytes(4096);
      await closedAfter(
        publisher,
        () => publisher.publish(`fill/more/${attempts}`, payload, { qos: 1, retain: true }, (e) => e || acknowledged++),
        300,
      );
      for (let i = 0; i < 3; i++) {
        seen.add((await storage()).status);
        await sleep(100);
      }
    }
    console.log(
      `redis at maxmemory: ${stored} stored, storage read ${[...seen].join(', ')}; ${acknowledged} of ${attempts} QoS 1 acknowledged`,
    );
    expect([...seen]).toEqual(['DOWN']);
    expect(acknowledged).toBe(0);

    await admin.config('SET', 'maxmemory', '0');
    await waitFor(async () => (await storage()).status === 'UP', 5000, 'storage UP once Redis has room');
  }, 40_000);
});

describeWithRedis('demo brokers whose Redis is emptied under them', () => {
  let redis: RedisServer;
  let admin: Redis;
  const nodes: Record<'a' | 'b', BrokerProcess | undefined> = { a: undefined, b: undefined };
  const clients: MqttClient[] = [];
  const storage = async (node: BrokerProcess) => (await node.health('storage')).body;
  const lostDataWarnings = (node: BrokerProcess) =>
    node.log.split('\n').filter((line) => /\bWARN\b.*\[Broker\].*redis lost its data/.test(line));

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    admin.on('error', () => undefined);
    const env = { REDIS_URL: redis.url, HEARTBEAT_MS: '1000' };
    nodes.a = await BrokerProcess.start({ env: { ...env, NODE_ID: 'emptied-a', ...(await faultMatrixEnv()) } });
    nodes.b = await BrokerProcess.start({ env: { ...env, NODE_ID: 'emptied-b' } });
  }, 40_000);

  afterAll(async () => {
    await closeAll(clients);
    await stopAll(Object.values(nodes));
    admin?.disconnect();
    await redis?.kill();
  });

  it("reports FLUSHALL on every node (DEGRADED, still ready, what was lost), writes the sessions' subscriptions back, and they keep working", async () => {
    const { a, b } = nodes as Record<'a' | 'b', BrokerProcess>;
    const away = await connect(a.mqttUrl, { clientId: 'emptied-away', clean: false });
    await away.subscribeAsync('kept/away', { qos: 1 });
    await away.endAsync();
    const online = await connect(b.mqttUrl, { clientId: 'emptied-online', clean: false });
    clients.push(online);
    await online.subscribeAsync('kept/online', { qos: 1 });
    expect(await admin.smembers('clients')).toEqual(expect.arrayContaining(['emptied-away', 'emptied-online']));

    await admin.flushall();
    const flushedAt = Date.now();
    const degraded = await Promise.all(
      [a, b].map((node) =>
        waitFor(
          async () => {
            const s = await storage(node);
            return s.status === 'DEGRADED' && s;
          },
          // One refresh (1 s) and the storage check's own timeout, with room for a loaded machine.
          4000,
          'storage DEGRADED once Redis lost its data',
          50,
        ),
      ),
    );
    const msToDegraded = Date.now() - flushedAt;
    for (const s of degraded) {
      expect(s.details.reason).toMatch(
        /^redis lost its data at .*: messages queued for offline sessions, retained messages and wills stored before then are lost; the 2 subscriptions of 2 persistent sessions were written back$/,
      );
    }
    for (const node of [a, b]) {
      expect((await node.health('readiness')).status).toBe(200);
      expect(lostDataWarnings(node)).toHaveLength(1);
    }
    await recordFault('Redis flushed', 26, a, msToDegraded);

    // The rows are back in Redis, so a node that starts now, or a session that comes back, finds them.
    expect((await admin.smembers('clients')).sort()).toEqual(['emptied-away', 'emptied-online']);
    expect(await admin.hkeys('client:emptied-away')).toEqual(['kept/away']);

    // The online session still gets live messages; the offline one gets what was queued for it meanwhile, then live ones.
    const publisher = await connect(a.mqttUrl, { clientId: 'emptied-publisher' });
    clients.push(publisher);
    const live = nextMessage(online, 'kept/online');
    await publisher.publishAsync('kept/online', 'live', { qos: 1 });
    expect((await live).payload).toBe('live');
    await publisher.publishAsync('kept/away', 'queued after the flush', { qos: 1 });
    const back = await connectCollecting(b.mqttUrl, { clientId: 'emptied-away', clean: false });
    clients.push(back.client);
    await waitFor(() => back.messages.some((m) => m.payload === 'queued after the flush'), 5000, 'the queued message on reconnect');
    const next = nextMessage(back.client, 'kept/away');
    await publisher.publishAsync('kept/away', 'live after coming back', { qos: 1 });
    expect((await next).payload).toBe('live after coming back');
  }, 40_000);

  it('reports a Redis restarted without persistence the same way', async () => {
    const { a } = nodes as Record<'a' | 'b', BrokerProcess>;
    const before = (await storage(a)).details.reason as string;
    await redis.kill();
    await waitFor(async () => (await storage(a)).status === 'DOWN', 5000, 'storage DOWN while Redis is down');
    await redis.start();
    const after = await waitFor(
      async () => {
        const s = await storage(a);
        return s.status === 'DEGRADED' && s.details.reason !== before && s;
      },
      10_000,
      'storage DEGRADED with the new loss once Redis is back empty',
    );
    expect(after.details.reason).toMatch(/^redis lost its data at .* were written back$/);
    expect((await admin.smembers('clients')).sort()).toEqual(['emptied-away', 'emptied-online']);
    expect(lostDataWarnings(a)).toHaveLength(2);
  }, 30_000);
});
