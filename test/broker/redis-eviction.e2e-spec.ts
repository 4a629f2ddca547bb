import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { faultMatrixEnv, recordFault } from '../support/fault-matrix.js';
import { closeAll, closedAfter, connect } from '../support/mqtt-clients.js';
import { freePort, hasBinary, RedisServer, waitFor } from '../support/processes.js';

const describeWithRedis = hasBinary('redis-server') ? describe : describe.skip;
const MB = 1024 * 1024;

describeWithRedis('demo broker on a Redis that evicts keys (maxmemory-policy)', () => {
  let redis: RedisServer;
  let admin: Redis;
  let node: BrokerProcess | undefined;
  const clients: MqttClient[] = [];
  const storage = async () => (await node!.health('storage')).body;
  /** The broker's own warning; the Health transition line carries the same text as its cause. */
  const policyWarnings = () => node!.log.split('\n').filter((line) => /\bWARN\b.*\[Broker\].*redis evicts stored keys/.test(line));

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    admin.on('error', () => undefined);
  });

  afterAll(async () => {
    await closeAll(clients);
    await stopAll([node]);
    admin?.disconnect();
    await redis?.kill();
  });

  it('is DOWN while Redis may evict what it acknowledged (allkeys-* under maxmemory), refuses QoS 1, says the policy and the fix, and is UP once it is noeviction', async () => {
    node = await BrokerProcess.start({
      env: { REDIS_URL: redis.url, NODE_ID: 'evicting', HEARTBEAT_MS: '1000', ...(await faultMatrixEnv()) },
    });
    const away = await connect(node.mqttUrl, { clientId: 'evict-away', clean: false });
    await away.subscribeAsync('evict/t', { qos: 1 });
    await away.endAsync();
    expect((await storage()).status).toBe('UP');

    // The same Redis, now allowed to evict any key once it holds maxmemory.
    const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
    await admin.config('SET', 'maxmemory', String(used + 4 * MB));
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const changedAt = Date.now();
    const down = await waitFor(
      async () => {
        const s = await storage();
        return s.status === 'DOWN' && s;
      },
      // One refresh (1 s) with room for a loaded machine.
      5000,
      'storage DOWN once Redis may evict',
      50,
    );
    const msToDown = Date.now() - changedAt;
    expect(down.details.error).toMatch(/maxmemory-policy allkeys-lru with maxmemory \d+.*set maxmemory-policy noeviction/);
    expect((await node.health('readiness')).status).toBe(503);
    await recordFault('Redis evicting keys (maxmemory-policy)', 27, node, msToDown);

    // No QoS 1 message is acknowledged that Redis could drop.
    const publisher = await connect(node.mqttUrl, { clientId: 'evict-publisher' });
    publisher.on('error', () => undefined);
    clients.push(publisher);
    let acknowledged = false;
    const closed = await closedAfter(publisher, () => publisher.publish('evict/t', 'refused', { qos: 1 }, (e) => (acknowledged = !e)));
    expect(closed).toBe(true);
    expect(acknowledged).toBe(false);

    // Redis evicts under the broker: this node's sentinel goes with the other keys, and the notice says eviction.
    await admin.config('SET', 'maxmemory-policy', 'allkeys-random');
    const junk = randomBytes(16 * 1024);
    for (let i = 0; i < 1500; i++) await admin.set(`junk:${i}`, junk);
    expect(Number(/evicted_keys:(\d+)/.exec(await admin.info('stats'))![1])).toBeGreaterThan(0);
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    // Room again too: Redis is full of junk, and a full Redis is DOWN for its own reason.
    await admin.config('SET', 'maxmemory', String(used + 64 * MB));
    const after = await waitFor(
      async () => {
        const s = await storage();
        return s.status !== 'DOWN' && s;
      },
      5000,
      'storage back once Redis keeps every key',
      50,
    );
    console.log(`redis evicting: DOWN after ${msToDown} ms: ${down.details.error}; then ${after.status}: ${after.details?.reason ?? ''}`);
    // The sentinel is evicted at random, nearly always among 1,500 keys past a 4 MB room; if it was, eviction is named, never "emptied".
    if (after.status === 'DEGRADED') {
      expect(after.details.reason).toMatch(
        /^redis evicted \d+ keys under maxmemory-policy allkeys-(lru|random), this node's sentinel among them/,
      );
      expect(after.details.reason).not.toMatch(/emptied/);
    } else expect(after.status).toBe('UP');
    expect((await node.health('readiness')).status).toBe(200);
    expect(policyWarnings()).toHaveLength(1);
  }, 40_000);

  it('reads the policy from INFO memory where CONFIG is not permitted (managed Redis)', async () => {
    await stopAll([node]);
    await admin.flushall();
    await admin.config('SET', 'maxmemory', String(64 * MB));
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lfu');
    await admin.call('ACL', 'SETUSER', 'broker', 'on', '>secret', '~*', '&*', '+@all', '-config');
    const url = `redis://broker:secret@127.0.0.1:${redis.port}`;
    node = await BrokerProcess.start({ env: { REDIS_URL: url, NODE_ID: 'evicting-managed', HEARTBEAT_MS: '1000' }, waitFor: 'health' });
    const down = await waitFor(
      async () => {
        // DOWN from its first check (not open yet): wait for the policy as its cause.
        const s = await storage();
        return s.status === 'DOWN' && /maxmemory-policy/.test(String(s.details?.error)) && s;
      },
      10_000,
      'storage DOWN with the policy read from INFO',
      50,
    );
    expect(down.details.error).toMatch(/maxmemory-policy allkeys-lfu/);
    await admin.config('SET', 'maxmemory', '0');
    await waitFor(async () => (await storage()).status === 'UP', 5000, 'storage UP once Redis has no maxmemory (nothing evicted)');
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
  }, 40_000);
});
