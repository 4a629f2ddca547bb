import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { faultMatrixEnv, recordFault } from '../support/fault-matrix.js';
import { ChildHandle, freePort, hasBinary, RedisServer, tempDir, waitFor } from '../support/processes.js';
import { brokerRunner } from './config-errors.kit.js';

const scratch = tempDir('config-redis-url-');
const brokers: BrokerProcess[] = [];
afterAll(async () => {
  await stopAll(brokers);
  scratch.remove();
});
const runBroker = brokerRunner(scratch.path);

const describeWithRedis = hasBinary('redis-server') ? describe : describe.skip;

describeWithRedis('demo broker: Redis refusing the credentials in REDIS_URL', () => {
  let redis: ChildHandle | undefined;
  let port: number;
  afterAll(async () => {
    await redis?.kill();
  });

  it('says so once at warn without the password, and storage and cluster are DOWN with that reason (WRONGPASS, NOAUTH)', async () => {
    port = await freePort();
    redis = new ChildHandle(
      spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', 'the-right-one'],
        { stdio: 'pipe' },
      ),
    );
    await waitFor(() => redis!.log.includes('Ready to accept connections'), 10_000, 'redis-server to start');
    const cases = [
      { url: `redis://:wrong-secret-1@127.0.0.1:${port}`, code: 'WRONGPASS', variable: /user or password in REDIS_URL/ },
      { url: `redis://127.0.0.1:${port}`, code: 'NOAUTH', variable: /REDIS_URL gives none/ },
    ];
    for (const { url, code, variable } of cases) {
      const broker = await BrokerProcess.start({
        env: { REDIS_URL: url, NODE_ID: `refused-${code}`, ...(await faultMatrixEnv()) },
        waitFor: 'health',
      });
      brokers.push(broker);
      const readiness = await waitFor(
        async () => {
          // Storage is DOWN from its first check (not open yet); wait for the refusal as its cause.
          const answer = await broker.health('readiness');
          const storage = answer.body.components?.storage;
          return storage?.status === 'DOWN' && String(storage.details?.error).includes(code) ? answer : undefined;
        },
        10_000,
        `storage DOWN for ${code}`,
      );
      expect(readiness.status).toBe(503);
      const { storage, cluster } = readiness.body.components;
      expect(storage.details.error).toMatch(new RegExp(`\\(${code}\\)`));
      expect(storage.details.error).toMatch(variable);
      expect(cluster).toMatchObject({ status: 'DOWN', details: { reason: storage.details.error } });
      const warnings = broker.log.split('\n').filter((line) => /\bWARN\b/.test(line) && line.includes(code));
      expect(warnings).toHaveLength(1);
      expect(broker.log + JSON.stringify(readiness.body)).not.toContain('wrong-secret-1');
      // A state from its start, not a change: recorded without a delay.
      if (code === 'WRONGPASS') await recordFault('Redis refusing the password in REDIS_URL', 22, broker);
    }
  }, 40_000);
});

describeWithRedis('demo broker: a REDIS_URL with an empty port', () => {
  let own: RedisServer | undefined;
  afterAll(async () => {
    await own?.kill();
  });

  /** Redis on the default port: one of ours, or one already there (CI may run one as a service). */
  async function redisOnDefaultPort(): Promise<void> {
    own = new RedisServer(6379);
    try {
      await own.start();
      return;
    } catch (error) {
      own = undefined;
      const existing = new Redis(6379, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      const answer = await existing.connect().then(
        () => existing.ping(),
        () => undefined,
      );
      existing.disconnect();
      if (answer !== 'PONG') throw error;
    }
  }

  it('uses the default port 6379, as ioredis and URL parsers read redis://host:', async () => {
    await redisOnDefaultPort();
    const nodeId = `empty-port-${process.pid}`;
    const broker = await BrokerProcess.start({ env: { REDIS_URL: 'redis://127.0.0.1:', NODE_ID: nodeId } });
    brokers.push(broker);
    const readiness = await broker.health('readiness');
    expect(readiness.body.components.storage).toMatchObject({ status: 'UP', details: { type: 'redis' } });
    const observer = new Redis(6379, '127.0.0.1');
    try {
      expect(await observer.client('LIST')).toContain(`name=${nodeId}:persistence`);
    } finally {
      observer.disconnect();
    }
    await broker.stop();
  }, 40_000);
});

describe('demo broker: Redis it cannot reach at start', () => {
  // A Kubernetes Service name may not resolve for the first seconds of a pod: retrying, not exiting, avoids a crash loop.
  it('keeps retrying a REDIS_URL host that does not resolve, and says why once at warn, naming the host', async () => {
    const { code, log } = await runBroker({ REDIS_URL: 'redis://no-such-redis.invalid:6379' });
    expect(code).toBe('still running');
    const causes = log.split('\n').filter((line) => /\bWARN\b.*(ENOTFOUND|EAI_AGAIN).*retrying meanwhile/.test(line));
    expect(causes).toEqual([
      expect.stringMatching(
        /redis unreachable: getaddrinfo (ENOTFOUND|EAI_AGAIN) no-such-redis\.invalid \(the REDIS_URL host does not resolve\); retrying meanwhile/,
      ),
    ]);
  });

  it('says a refused connection once at warn with its address, not only "reconnecting"', async () => {
    const port = await freePort();
    const { code, log } = await runBroker({ REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(code).toBe('still running');
    const causes = log.split('\n').filter((line) => /\bWARN\b.*ECONNREFUSED.*retrying meanwhile/.test(line));
    expect(causes).toEqual([
      expect.stringMatching(new RegExp(`redis unreachable: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}; retrying meanwhile`)),
    ]);
    // The reminders while it still waits name the cause too, not only "reconnecting".
    const waiting = log.split('\n').filter((line) => /\bWARN\b.*waiting for redis/.test(line));
    expect(waiting.length).toBeGreaterThan(0);
    for (const line of waiting) expect(line).toContain(`redis unreachable: connect ECONNREFUSED 127.0.0.1:${port}`);
    // One reminder for every connection still waiting, not one per connection.
    for (const line of waiting) expect(line).toMatch(/waiting for redis \((\w|-)+(, (\w|-)+)+ connections are /);
  });
});
