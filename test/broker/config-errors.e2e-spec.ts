import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { faultMatrixEnv, recordFault } from '../support/fault-matrix.js';
import { connect } from '../support/mqtt-clients.js';
import { ChildHandle, freePort, freePorts, hasBinary, RedisServer, tempDir, waitFor } from '../support/processes.js';

const MAIN = resolve('apps/broker/dist/main.js');
const EX_CONFIG = 78;
/** A start-up refusal is immediate; anything still running after this is the hang these tests catch. */
const NO_HANG_MS = 10_000;

const scratch = tempDir('config-errors-');
const aFile = join(scratch.path, 'a-file');
writeFileSync(aFile, 'not a directory\n');
/** What `DATA_DIR=/dev/shm/../…` reaches: a broker that accepted it would create this directory in /dev. */
const DATA_UNDER_DEV = `broker-data-config-errors-${process.pid}`;
const brokers: BrokerProcess[] = [];
afterAll(async () => {
  await stopAll(brokers);
  scratch.remove();
  rmSync(join('/dev', DATA_UNDER_DEV), { recursive: true, force: true });
});

/** Starts the broker with `env` on free ports and waits for it to exit, killing it if it is still running after NO_HANG_MS. */
async function runBroker(env: Record<string, string>): Promise<{ code: number | null | 'still running'; lines: string[]; log: string }> {
  const [mqttPort, healthPort] = await freePorts(2);
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      MQTT_BIND: '127.0.0.1',
      MQTT_PORT: String(mqttPort),
      HEALTH_PORT: String(healthPort),
      HEALTH_AGENT_PORT: '0',
      DATA_DIR: join(scratch.path, `data-${mqttPort}`),
      DRAIN_MS: '0',
      ...env,
    },
    stdio: 'pipe',
  });
  const handle = new ChildHandle(child);
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    handle.exited,
    new Promise<'still running'>((r) => (timer = setTimeout(() => r('still running'), NO_HANG_MS))),
  ]);
  clearTimeout(timer);
  if (code === 'still running') await handle.kill();
  const lines = handle.log.split('\n').filter((line) => line.trim() !== '');
  return { code, lines, log: handle.log };
}

describe('demo broker: configuration it cannot use is refused at start, in one line, exit 78', () => {
  const cases: Array<[string, Record<string, string>, string, RegExp]> = [
    ['MQTT_BIND that does not resolve', { MQTT_BIND: 'not a host!' }, 'MQTT_BIND', /does not resolve to an address \(E[A-Z_]+\)/],
    // TEST-NET-1 (RFC 5737): an address no host of ours has; binding it sends nothing anywhere.
    [
      'MQTT_BIND that is not an address of this host',
      { MQTT_BIND: '192.0.2.1' },
      'MQTT_BIND',
      /192\.0\.2\.1 is not an address of this host \(EADDRNOTAVAIL\)/,
    ],
    ['REDIS_URL with a port out of range', { REDIS_URL: 'redis://127.0.0.1:99999' }, 'REDIS_URL', /port "99999"/],
    ['REDIS_URL with a port that is not a number', { REDIS_URL: 'redis://127.0.0.1:abc' }, 'REDIS_URL', /port "abc"/],
    ['DATA_DIR that is a file', { DATA_DIR: aFile }, 'DATA_DIR', /names a file, not a directory/],
    ['DATA_DIR under /proc', { DATA_DIR: '/proc/broker-data' }, 'DATA_DIR', /kernel filesystem \(\/proc\)/],
    [
      'DATA_DIR that leads into /dev through ..',
      { DATA_DIR: `/dev/shm/../${DATA_UNDER_DEV}` },
      'DATA_DIR',
      /is under \/dev \(\/dev\), which holds devices and shared memory/,
    ],
    ['EXTENSIONS_DIR that does not exist', { EXTENSIONS_DIR: join(scratch.path, 'no-such-dir') }, 'EXTENSIONS_DIR', /does not exist/],
    ['EXTENSIONS_DIR that is a file', { EXTENSIONS_DIR: aFile }, 'EXTENSIONS_DIR', /names a file/],
    ['DRAIN_MS above its maximum', { DRAIN_MS: '3600000' }, 'DRAIN_MS', /from 0 to 300000/],
  ];

  it.each(cases)('%s', async (_what, env, variable, problem) => {
    const { code, lines, log } = await runBroker(env);
    expect({ code, lines: lines.length, log }).toEqual({ code: EX_CONFIG, lines: 1, log: expect.any(String) });
    expect(lines[0]).toMatch(new RegExp(`^Environment variable ${variable}\\b`));
    expect(lines[0]).toMatch(problem);
  });

  it('never prints the password of a REDIS_URL it refuses', async () => {
    const { code, lines } = await runBroker({ REDIS_URL: 'redis://app:hunter2-secret@127.0.0.1:99999' });
    expect([code, lines.length]).toEqual([EX_CONFIG, 1]);
    expect(lines[0]).toContain('redis://app:***@127.0.0.1:99999');
    expect(lines[0]).not.toContain('hunter2');
  });
});

describe('demo broker: settings that do nothing as combined start the broker with a one-line warning each', () => {
  it('warns that HEALTH_TOKEN does nothing unless HEALTH_DETAILS=when-authorized, and CLUSTER_LIVENESS_GRACE_MS nothing without REDIS_URL', async () => {
    const broker = await BrokerProcess.start({
      env: { HEALTH_DETAILS: 'always', HEALTH_TOKEN: 'unused-token', CLUSTER_LIVENESS_GRACE_MS: '30000' },
    });
    brokers.push(broker);
    const warnings = broker.log.split('\n').filter((line) => /\bWARN\b/.test(line));
    expect(warnings).toEqual([
      expect.stringMatching(/HEALTH_TOKEN has no effect with HEALTH_DETAILS=always: details are shown to every client/),
      expect.stringMatching(/CLUSTER_LIVENESS_GRACE_MS has no effect without REDIS_URL/),
    ]);
    expect(broker.log).not.toContain('unused-token');
    const never = await BrokerProcess.start({ env: { HEALTH_DETAILS: 'never', HEALTH_TOKEN: 'unused-token' } });
    brokers.push(never);
    expect(never.log).toMatch(/WARN.*HEALTH_TOKEN has no effect with HEALTH_DETAILS=never: details are shown to no one/);
  });
});

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
          const answer = await broker.health('readiness');
          return answer.body.components?.storage?.status === 'DOWN' ? answer : undefined;
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

/** Whether this host can listen on `address` at all (a host without IPv6 cannot on ::1). */
function canListen(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(0, address, () => server.close(() => resolve(true)));
  });
}

describe('demo broker: addresses written as URLs write them', () => {
  it('takes MQTT_BIND=[::1] and HEALTH_BIND=[::1] as the IPv6 address ::1', async () => {
    const [mqttPort, healthPort] = await freePorts(2);
    const env = { MQTT_BIND: '[::1]', HEALTH_BIND: '[::1]', MQTT_PORT: String(mqttPort), HEALTH_PORT: String(healthPort) };
    if (!(await canListen('::1'))) {
      // No IPv6 on this host: the refusal still names ::1 itself, not a name "[::1]" that does not resolve.
      const { code, lines } = await runBroker(env);
      expect([code, lines.length]).toEqual([EX_CONFIG, 1]);
      expect(lines[0]).toMatch(/^Environment variable MQTT_BIND: (::1 is not an address|"::1" does not resolve)/);
      return;
    }
    const child = new ChildHandle(
      spawn(process.execPath, [MAIN], {
        env: { PATH: process.env.PATH, HEALTH_AGENT_PORT: '0', DATA_DIR: join(scratch.path, 'data-ipv6'), DRAIN_MS: '0', ...env },
        stdio: 'pipe',
      }),
    );
    try {
      const readiness = await waitFor(
        async () => {
          if (!child.running) throw new Error(`broker exited:\n${child.log}`);
          const response = await fetch(`http://[::1]:${healthPort}/api/v1/health/readiness`, { signal: AbortSignal.timeout(2000) });
          return response.status === 200
            ? ((await response.json()) as { components: { mqtt: { components: Record<string, { details: object }> } } })
            : undefined;
        },
        20_000,
        'readiness 200 on http://[::1]',
        100,
      );
      expect(readiness.components.mqtt.components[`tcp-listener-${mqttPort}`].details).toMatchObject({
        'bind-address': '::1',
        'is-running': true,
      });
      const client = await connect(`mqtt://[::1]:${mqttPort}`);
      expect(client.connected).toBe(true);
      await client.endAsync(true);
    } finally {
      await child.kill();
    }
  });
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
    const causes = log.split('\n').filter((line) => /\bWARN\b.*(ENOTFOUND|EAI_AGAIN)/.test(line));
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
    const causes = log.split('\n').filter((line) => /\bWARN\b.*ECONNREFUSED/.test(line));
    expect(causes).toEqual([
      expect.stringMatching(new RegExp(`redis unreachable: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}; retrying meanwhile`)),
    ]);
  });
});
