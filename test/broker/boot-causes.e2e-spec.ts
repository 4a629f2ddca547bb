import { faultMatrixEnv, recordFault } from '../support/fault-matrix.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { BrokerProcess, stopAll, type HealthAnswer } from '../support/broker-process.js';
import { freePort, hasBinary, RedisServer, waitFor } from '../support/processes.js';

const describeWithRedis = hasBinary('redis-server') ? describe : describe.skip;

interface Sample {
  ready: HealthAnswer;
  readyz: HealthAnswer;
  tree: HealthAnswer;
}

async function get(broker: BrokerProcess, path: string): Promise<HealthAnswer> {
  const response = await fetch(`http://127.0.0.1:${broker.healthPort}${path}`, { signal: AbortSignal.timeout(2000) });
  return { status: response.status, body: await response.json() };
}

/** FluxMQ /ready, /readyz and the HiveMQ tree every 50 ms for `ms`. */
async function poll(broker: BrokerProcess, ms: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (const until = Date.now() + ms; Date.now() < until; await sleep(50)) {
    const [ready, readyz, tree] = await Promise.all(['/ready', '/readyz', '/api/v1/health'].map((path) => get(broker, path)));
    samples.push({ ready, readyz, tree });
  }
  return samples;
}

/** Nest's lines of the Health logger, colours stripped. */
const healthLines = (log: string) =>
  log
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((line) => line.includes('[Health]'));

describeWithRedis('a cluster node starting while Redis cannot be reached says what it waits for', () => {
  let redis: RedisServer | undefined;
  const brokers: BrokerProcess[] = [];
  afterAll(async () => {
    await stopAll(brokers);
    await redis?.kill();
  });

  it('reads broker, storage and cluster DOWN with the ECONNREFUSED cause on every view, logs it, and lists them once ready', async () => {
    const port = await freePort();
    const refused = `redis unreachable: connect ECONNREFUSED 127.0.0.1:${port}`;
    const node = await BrokerProcess.start({
      env: {
        REDIS_URL: `redis://127.0.0.1:${port}`,
        NODE_ID: 'boot-refused',
        HEARTBEAT_MS: '1000',
        ...(await faultMatrixEnv()),
      },
      waitFor: 'health',
    });
    brokers.push(node);
    const samples = await poll(node, 2500);
    await recordFault('Redis unreachable at start', 23, node);

    // From the first answer on: never "up" for a broker, storage or cluster that is not initialised.
    for (const { ready } of samples) {
      expect(ready.status).toBe(503);
      for (const name of ['broker', 'storage', 'cluster', 'mqtt']) expect(ready.body.checks[name]).toMatchObject({ status: 'down' });
    }
    const last = samples.at(-1)!;
    expect(last.ready.body).toEqual({
      status: 'not_ready',
      details: 'storage unavailable',
      checks: {
        broker: { status: 'down', details: `waiting for storage: ${refused}` },
        storage: { status: 'down', details: refused },
        cluster: { status: 'down', details: refused },
        mqtt: { status: 'down', details: `not listening yet: the broker is waiting for storage: ${refused}` },
      },
    });
    // Every member that is not ready is listed as failing, the store first among the dependencies.
    expect(last.readyz).toEqual({
      status: 503,
      body: { status: 'not_ready', checks: { broker: 'unavailable', storage: 'unavailable', cluster: 'unavailable', mqtt: 'unavailable' } },
    });
    const { components } = last.tree.body;
    expect(components.storage).toMatchObject({ status: 'DOWN', details: { reason: 'storage unavailable', error: refused } });
    expect(components.cluster).toMatchObject({ status: 'DOWN', details: { reason: refused, 'node-state': 'JOINING' } });
    expect(components.broker).toMatchObject({ status: 'DOWN', details: { reason: `waiting for storage: ${refused}` } });
    expect(components.mqtt).toMatchObject({
      status: 'DOWN',
      details: { reason: `not listening yet: the broker is waiting for storage: ${refused}` },
    });
    expect(samples.every((s) => s.tree.body.components.storage.status === 'DOWN')).toBe(true);
    expect((await get(node, '/api/v1/health/readiness')).body).toMatchObject({ status: 'OUT_OF_SERVICE', details: { reason: 'starting' } });

    // The log carries the cause in the Health lines, not only the storage's own "retrying".
    const lines = healthLines(node.log);
    expect(lines.some((line) => line.includes(`storage: `) && line.includes(`(storage unavailable: ${refused})`))).toBe(true);
    expect(lines.some((line) => line.includes('cluster: ') && line.includes(refused))).toBe(true);

    redis = new RedisServer(port);
    await redis.start();
    await waitFor(async () => (await get(node, '/ready')).status === 200, 15_000, 'the node to become ready');
    // Healthy: the store and the Redis-backed cluster are both listed, as the engine's document says.
    expect(await get(node, '/readyz')).toEqual({ status: 200, body: { status: 'ready', checks: { storage: 'ok', cluster: 'ok' } } });
    expect((await get(node, '/cluster/status')).body).toMatchObject({ node_id: 'boot-refused', cluster_mode: true });
  }, 40_000);

  it('names WRONGPASS in the storage component and the log while Redis refuses the credentials, never the password', async () => {
    const server = new RedisServer(await freePort());
    await server.start();
    const admin = new Redis(server.url);
    await admin.config('SET', 'requirepass', 'the-right-one');
    admin.disconnect();
    try {
      const node = await BrokerProcess.start({
        env: { REDIS_URL: `redis://:not-the-password@127.0.0.1:${server.port}`, NODE_ID: 'boot-wrongpass', HEALTH_VIEWS: 'hivemq,fluxmq' },
        waitFor: 'health',
      });
      brokers.push(node);
      const storage = await waitFor(
        async () => {
          const { body } = await get(node, '/api/v1/health/storage');
          return String(body.details?.error).includes('WRONGPASS') && body;
        },
        5000,
        'storage DOWN with WRONGPASS',
      );
      expect(storage.status).toBe('DOWN');
      const ready = await get(node, '/ready');
      expect(ready.body.checks.storage).toMatchObject({ status: 'down', details: expect.stringContaining('WRONGPASS') });
      expect(ready.body.checks.cluster).toMatchObject({ status: 'down', details: expect.stringContaining('WRONGPASS') });
      await waitFor(
        () => healthLines(node.log).some((line) => line.includes('storage: ') && line.includes('WRONGPASS')),
        3000,
        'a Health line with WRONGPASS',
      );
      expect(JSON.stringify(ready.body)).not.toContain('not-the-password');
      expect(node.log).not.toContain('not-the-password');
    } finally {
      await server.kill();
    }
  }, 30_000);

  it('names a Redis that takes the connection and never answers, then starts once it does', async () => {
    const server = new RedisServer(await freePort());
    await server.start();
    server.pause();
    try {
      const node = await BrokerProcess.start({
        env: { REDIS_URL: server.url, NODE_ID: 'boot-silent', HEALTH_VIEWS: 'hivemq,fluxmq' },
        waitFor: 'health',
      });
      brokers.push(node);
      const silent = `redis does not answer: connected to 127.0.0.1:${server.port}, no reply within 2 s`;
      const storage = await waitFor(
        async () => {
          const { body } = await get(node, '/api/v1/health/storage');
          return body.details?.error === silent && body;
        },
        8000,
        'storage DOWN naming the silent Redis',
      );
      expect(storage.status).toBe('DOWN');
      expect((await get(node, '/ready')).body).toMatchObject({
        details: 'storage unavailable',
        checks: { storage: { status: 'down', details: silent }, broker: { status: 'down', details: `waiting for storage: ${silent}` } },
      });
      server.resume();
      await waitFor(async () => (await get(node, '/ready')).status === 200, 15_000, 'the node to start once Redis answers');
    } finally {
      server.resume();
      await server.kill();
    }
  }, 40_000);
});

describe('a healthy single node starting', () => {
  const brokers: BrokerProcess[] = [];
  afterAll(() => stopAll(brokers));

  it('never answers "up" for a member that has not started, and omits the cluster check', async () => {
    const node = await BrokerProcess.start({
      env: { NODE_ID: 'boot-single', HEALTH_VIEWS: 'hivemq,fluxmq,kubernetes' },
      waitFor: 'health',
    });
    brokers.push(node);
    const samples = await poll(node, 1500);
    for (const { ready } of samples) {
      // The old shape: {"status":"up","details":"starting"}.
      for (const check of Object.values(ready.body.checks as Record<string, unknown>))
        expect(check).not.toEqual({ status: 'up', details: 'starting' });
      expect(ready.body.checks).not.toHaveProperty('cluster');
    }
    await waitFor(async () => (await get(node, '/ready')).status === 200, 10_000, 'ready');
    expect((await get(node, '/ready')).body).toEqual({
      status: 'ready',
      mode: 'nominal',
      checks: { broker: { status: 'up' }, storage: { status: 'up' }, mqtt: { status: 'up' } },
    });
    // An in-process cluster is no network dependency: only the store is listed.
    expect((await get(node, '/readyz')).body).toEqual({ status: 'ready', checks: { storage: 'ok' } });
  }, 30_000);

  it('is ready the moment start-up completes: no answer after it carries what the members said while starting', async () => {
    const node = await BrokerProcess.start({ env: { NODE_ID: 'boot-moment', HEALTH_VIEWS: 'hivemq,fluxmq' }, waitFor: 'health' });
    brokers.push(node);
    const afterStart: unknown[] = [];
    for (const until = Date.now() + 4000; Date.now() < until; await sleep(20)) {
      const startup = await get(node, '/api/v1/health/startup');
      if (startup.status !== 200) continue;
      const ready = await get(node, '/ready');
      afterStart.push(ready.status === 200 ? 'ready' : ready.body);
      if (afterStart.length >= 5) break;
    }
    expect(afterStart).toEqual(Array(5).fill('ready'));
  }, 30_000);
});
