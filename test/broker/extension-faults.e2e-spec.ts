import { readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { faultMatrixEnv, recordFault } from '../support/fault-matrix.js';
import { closeAll, closedAfter, connect } from '../support/mqtt-clients.js';
import { tempDir, waitFor } from '../support/processes.js';
import { writeExtension } from '../support/extension-fixtures.js';

const DEADLINE_MS = 500;
const NOT_STARTED = `did not start within ${DEADLINE_MS} ms (EXTENSION_START_TIMEOUT_MS)`;

/** Never finishes loading: the module body waits forever. */
const HANGS_LOADING = `await new Promise(() => {});
export default () => ({ configure() { return {}; } });`;

/** Loads, then configure() never settles. */
const HANGS_CONFIGURING = `export default () => ({ configure() { return new Promise(() => {}); } });`;

/** configure() is async; it never settles for a configuration that asks it to hang. */
const HANGS_ON_RELOAD = `export default () => ({
  async configure(config) {
    if (config.hang) await new Promise(() => {});
    return { mode: config.mode };
  },
});`;

const THROWS_IN_HOOK = `export default () => ({
  configure() { return {}; },
  authorizePublish(client, packet) {
    if (packet.topic === 'boom') throw new TypeError('cannot read properties of undefined (reading "rules")');
    return true;
  },
});`;

/**
 * configure() holds the event loop for twice the deadline, then accepts: the deadline's timer cannot fire meanwhile.
 * (A block longer than the deadline plus a second ends the process: the watchdog thread's part, tested with the lifecycle.)
 */
const SPINS_CONFIGURING = `export default () => ({
  configure() {
    for (const until = Date.now() + ${2 * DEADLINE_MS}; Date.now() < until; );
    return {};
  },
});`;

const FAILS_TO_START = `export default () => ({ configure() { throw new Error('"rules" is required'); } });`;

describe('demo broker: extensions that hang, throw or fail', () => {
  const brokers: BrokerProcess[] = [];
  const clients: MqttClient[] = [];
  const dirs: ReturnType<typeof tempDir>[] = [];

  /** A broker with the given extensions and a short start deadline, once it is ready. */
  async function brokerWith(extensions: Record<string, string>, env: Record<string, string> = {}) {
    const dir = tempDir('broker-extension-faults-');
    dirs.push(dir);
    for (const [id, source] of Object.entries(extensions)) writeExtension(dir.path, id, source, { mode: 'first' });
    const broker = await BrokerProcess.start({
      env: { EXTENSIONS_DIR: dir.path, EXTENSION_START_TIMEOUT_MS: String(DEADLINE_MS), ...env },
    });
    brokers.push(broker);
    return { broker, dir: dir.path };
  }
  const entrypoint = async (broker: BrokerProcess, id: string) => (await broker.health(`extensions/${id}/internals/entrypoint`)).body;

  afterAll(async () => {
    await closeAll(clients);
    await stopAll(brokers);
    for (const dir of dirs) dir.remove();
  });

  it('gives up on an extension whose module never finishes loading: DOWN, and the broker serves', async () => {
    const env = await faultMatrixEnv();
    const spawnedAt = Date.now();
    const { broker } = await brokerWith({ 'hangs-loading': HANGS_LOADING }, env);
    const failure = await waitFor(
      async () => (await entrypoint(broker, 'hangs-loading')).details['last-startup-failure'],
      5000,
      'the extension to be given up on',
    );
    const detectedInMs = Date.now() - spawnedAt;
    expect(failure).toContain(NOT_STARTED);
    expect((await broker.health('extensions/hangs-loading')).body.status).toBe('DOWN');
    // The listeners bound and readiness follows the other members; only /health reports the extension.
    expect((await broker.health('readiness')).status).toBe(200);
    expect((await broker.health()).status).toBe(503);
    clients.push(await connect(broker.mqttUrl, { clientId: 'after-hang' }));
    await recordFault('Extension hanging at start', 60, broker, detectedInMs);
  });

  it('gives up on a configure() that never settles, and keeps the old configuration when a reload hangs', async () => {
    const { broker, dir } = await brokerWith({ 'hangs-configuring': HANGS_CONFIGURING, reloadable: HANGS_ON_RELOAD });
    expect((await entrypoint(broker, 'hangs-configuring')).details['last-startup-failure']).toContain(NOT_STARTED);
    const configuration = async () => (await broker.health('extensions/reloadable/application/configuration')).body;
    expect(await configuration()).toMatchObject({ status: 'UP', details: { mode: 'first' } });

    writeFileSync(join(dir, 'reloadable', 'conf', 'config.json'), JSON.stringify({ mode: 'second', hang: true }));
    const degraded = await waitFor(
      async () => {
        const c = await configuration();
        return c.status === 'DEGRADED' && c;
      },
      5000,
      'the hung reload to be given up on',
    );
    expect(degraded.details.mode).toBe('first');
    expect(degraded.details['last-failure']).toMatch(
      /previous one still in force: .*did not finish within 500 ms \(EXTENSION_START_TIMEOUT_MS\)/,
    );
    expect((await broker.health('extensions/reloadable')).body.status).toBe('DEGRADED');
    expect((await broker.health('readiness')).status).toBe(200);

    // A later, good configuration is applied: the hung attempt no longer blocks the reloads.
    writeFileSync(join(dir, 'reloadable', 'conf', 'config.json'), JSON.stringify({ mode: 'third' }));
    await waitFor(async () => (await configuration()).details.mode === 'third', 5000, 'the next reload to apply');
    expect((await configuration()).status).toBe('UP');
  });

  it('gives up on a configure() that holds the event loop past the deadline, even though it then returns', async () => {
    const { broker } = await brokerWith({ 'spins-configuring': SPINS_CONFIGURING });
    expect((await entrypoint(broker, 'spins-configuring')).details['last-startup-failure']).toContain(NOT_STARTED);
    expect((await broker.health('extensions/spins-configuring')).body.status).toBe('DOWN');
    // Its late result was stopped, never used: no configuration shows.
    expect((await broker.health('extensions/spins-configuring')).body.components.application).toBeUndefined();
  });

  it('records an extension that fails to start and one whose hook throws', async () => {
    const env = await faultMatrixEnv();
    const spawnedAt = Date.now();
    const failing = await brokerWith({ 'fails-to-start': FAILS_TO_START }, env);
    const failure = (await entrypoint(failing.broker, 'fails-to-start')).details['last-startup-failure'];
    const detectedInMs = Date.now() - spawnedAt;
    expect(failure).toBe('Extension startup prevented because of the following error: Error: "rules" is required');
    expect((await failing.broker.health()).status).toBe(503);
    await recordFault('Extension failing to start', 62, failing.broker, detectedInMs);

    const throwing = await brokerWith({ 'throws-in-hook': THROWS_IN_HOOK }, await faultMatrixEnv());
    const client = await connect(throwing.broker.mqttUrl, { clientId: 'trigger' });
    clients.push(client);
    const thrownAt = Date.now();
    expect(await closedAfter(client, () => client.publish('boom', 'x', { qos: 1 }))).toBe(true);
    await waitFor(
      async () => (await entrypoint(throwing.broker, 'throws-in-hook')).status === 'DEGRADED',
      3000,
      'the extension to turn DEGRADED',
    );
    await recordFault('Extension throwing in a hook', 61, throwing.broker, Date.now() - thrownAt);
  });
});

/** Hook answers built to break whoever adopts them, one per topic prefix; every other topic is allowed. */
const HOSTILE = `const hostile = (topic) => {
  const kind = topic.split('/')[0];
  if (kind === 'ctor') {
    // A native promise whose constructor getter throws: Promise.resolve() of it throws at once.
    const answer = Promise.resolve(true);
    Object.defineProperty(answer, 'constructor', { get() { throw new Error('constructor getter'); } });
    return answer;
  }
  if (kind === 'species') {
    const answer = Promise.resolve(true);
    answer.constructor = { [Symbol.species]: function () { throw new Error('species'); } };
    return answer;
  }
  if (kind === 'then-getter') return { get then() { throw new Error('then getter'); } };
  if (kind === 'then-flip') {
    let reads = 0;
    return { get then() { if (reads++ === 0) return () => {}; throw new Error('then changed its mind'); } };
  }
  if (kind === 'proxy') return Promise.reject(new Proxy({}, { get() { throw new Error('trap'); }, getPrototypeOf() { throw new Error('trap'); } }));
  if (kind === 'stray') { Promise.reject(new Error('left floating for ' + topic)); return true; }
  if (kind === 'stray-text') { Promise.reject('no stack, from ' + topic); return true; }
  if (kind === 'fail') throw new Error('no rule for ' + topic);
  return true;
};
export default () => ({
  configure() { return {}; },
  authorizePublish: (client, packet) => hostile(packet.topic),
  authorizeSubscribe: (client, subscription) => hostile(subscription.topic),
});`;

/** The SUBACK return code the broker granted (0x80 = refused); rejects if none comes within 5 s. */
function subscribeGranted(client: MqttClient, topic: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no SUBACK for ${topic} within 5 s`)), 5000);
    client.subscribe(topic, { qos: 1 }, (error, granted) => {
      clearTimeout(timer);
      const refused = (error as { packet?: { granted?: number[] } } | undefined)?.packet?.granted?.[0];
      if (error && refused === undefined) return reject(error);
      resolve(refused ?? granted![0].qos);
    });
  });
}

describe('demo broker: hook answers built to break the host, stray rejections, failures that age out', () => {
  const FAILURE_WINDOW_MS = 5000;
  const dir = tempDir('broker-hostile-hooks-');
  const clients: MqttClient[] = [];
  let broker: BrokerProcess;
  let pid: number | undefined;
  const client = async (id: string) => {
    const c = await connect(broker.mqttUrl, { clientId: id });
    clients.push(c);
    return c;
  };
  const entrypoint = async () => (await broker.health('extensions/hostile/internals/entrypoint')).body;
  const lastFailure = (what: string, pattern: RegExp) =>
    waitFor(async () => pattern.test((await entrypoint()).details['last-failure'] ?? '') && entrypoint(), 3000, what);

  beforeAll(async () => {
    writeExtension(dir.path, 'hostile', HOSTILE);
    broker = await BrokerProcess.start({
      env: { EXTENSIONS_DIR: dir.path, EXTENSION_FAILURE_WINDOW_MS: String(FAILURE_WINDOW_MS), LOG_LEVEL: 'debug' },
    });
    pid = broker.child.pid;
  }, 30_000);

  afterAll(async () => {
    await closeAll(clients);
    await stopAll([broker]);
    dir.remove();
  });

  it.each([
    ['ctor', 'rejected with Error: constructor getter'],
    ['species', 'rejected with'],
    ['then-getter', 'threw Error: then getter'],
    ['then-flip', 'rejected with Error: then changed its mind'],
    ['proxy', 'rejected with a value that cannot be converted to text'],
  ])(
    'refuses a publish and a subscription whose hook answers with a hostile %s, answers the client, and stays up',
    async (kind, reason) => {
      const publisher = await client(`${kind}-publisher`);
      expect(await closedAfter(publisher, () => publisher.publish(`${kind}/x`, 'x', { qos: 1 }), 3000)).toBe(true);
      const publishFailure = await lastFailure(`the ${kind} publish to be reported`, /^authorizePublish /);
      expect(publishFailure.status).toBe('DEGRADED');
      expect(publishFailure.details['last-failure']).toContain(`authorizePublish ${reason}`);

      const subscriber = await client(`${kind}-subscriber`);
      expect(await subscribeGranted(subscriber, `${kind}/x`)).toBe(0x80);
      expect(subscriber.connected).toBe(true);
      expect((await lastFailure(`the ${kind} subscription to be reported`, /^authorizeSubscribe /)).details['last-failure']).toContain(
        `authorizeSubscribe ${reason}`,
      );
      // Published to a topic the hook allows, on the same connection: the broker is the same process, serving.
      await subscriber.publishAsync('fine/x', 'ok', { qos: 1 });
      expect(broker.running).toBe(true);
      expect(broker.child.pid).toBe(pid);
    },
  );

  it('keeps running when a hook leaves a rejected promise unhandled, and marks that extension DEGRADED', async () => {
    const linesBefore = broker.log.split('\n').length;
    const publisher = await client('stray-publisher');
    // The hook itself answered true: the publish goes through.
    await publisher.publishAsync('stray/x', 'x', { qos: 1 });
    const reported = await lastFailure('the stray rejection to be reported', /unhandled/);
    expect(reported.status).toBe('DEGRADED');
    expect(reported.details['last-failure']).toBe('a promise it left unhandled was rejected with Error: left floating for stray/x');
    // Without a stack to tell whose it is: logged, escaped, one line however many, and the broker carries on.
    const strayText = await client('stray-text-publisher');
    for (let i = 0; i < 50; i++) await strayText.publishAsync(`stray-text/${i}\n[Nest] FORGED`, 'x', { qos: 1 });
    await waitFor(() => broker.log.includes('unhandled rejection: no stack, from stray-text/'), 3000, 'the stray rejection to be logged');
    const lines = broker.log.split('\n').slice(linesBefore - 1);
    expect(lines.filter((line) => line.includes('unhandled rejection: '))).toHaveLength(1);
    expect(lines.find((line) => line.includes('unhandled rejection: '))).toContain(
      'unhandled rejection: no stack, from stray-text/0\\n[Nest] FORGED; the broker carries on',
    );
    expect(lines.some((line) => line.startsWith('[Nest] FORGED'))).toBe(false);
    expect(broker.running).toBe(true);
    expect(broker.child.pid).toBe(pid);
    expect(publisher.connected && strayText.connected).toBe(true);
  });

  it(`reads DEGRADED after a hook failure for EXTENSION_FAILURE_WINDOW_MS, then UP with the failure and its time kept`, async () => {
    const publisher = await client('fail-publisher');
    const failedAt = Date.now();
    expect(await closedAfter(publisher, () => publisher.publish('fail/x', 'x', { qos: 1 }), 3000)).toBe(true);
    const degraded = await lastFailure('the hook failure to be reported', /^authorizePublish threw Error: no rule for fail\/x$/);
    expect(degraded.status).toBe('DEGRADED');
    const at = degraded.details['last-failure-at'];
    expect(at).toBeGreaterThanOrEqual(failedAt - 1000);
    expect(at).toBeLessThanOrEqual(Date.now());

    const recovered = await waitFor(
      async () => {
        const e = await entrypoint();
        return e.status === 'UP' && e;
      },
      FAILURE_WINDOW_MS + 5000,
      'the entrypoint to turn UP again once the window has passed',
    );
    expect(Date.now() - failedAt).toBeGreaterThanOrEqual(FAILURE_WINDOW_MS - 100);
    expect(recovered.details).toMatchObject({ 'last-failure': 'authorizePublish threw Error: no rule for fail/x', 'last-failure-at': at });
    expect((await broker.health('extensions/hostile')).body.status).toBe('UP');
  });

  it('escapes the client id and message of a client error in the debug log', async () => {
    const id = Buffer.from('forger\n[Nest] 1  - FORGED \u202e LINE');
    const connectBody = Buffer.concat([Buffer.from([0, 4]), Buffer.from('MQTT'), Buffer.from([4, 2, 0, 60, 0, id.length]), id]);
    const socket = createConnection(broker.mqttPort, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.write(Buffer.concat([Buffer.from([0x10, connectBody.length]), connectBody]));
    await new Promise((resolve) => socket.once('data', resolve));
    // Packet type 0 is reserved: the connected client's parser fails, and Aedes reports a client error.
    socket.write(Buffer.from([0x00, 0x00]));
    await new Promise((resolve) => socket.once('close', resolve));
    await waitFor(() => broker.log.includes('client forger'), 3000, 'the client error to be logged');
    expect(broker.log).toContain('client forger\\n[Nest] 1  - FORGED \\u202e LINE: ');
    expect(broker.log.split('\n').some((line) => line.startsWith('[Nest] 1  - FORGED'))).toBe(false);
    expect(broker.log).not.toContain('\u202e');
  });
});

/** Never answers on `never/`: each subscription to it waits out the hook deadline. */
const NEVER_ANSWERS = `export default () => ({
  configure() { return {}; },
  authorizeSubscribe: (client, subscription) => (subscription.topic.startsWith('never/') ? new Promise(() => {}) : true),
});`;

/** Resident memory of a process, from /proc. */
function rssBytes(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

describe('demo broker: pending hook answers are bounded', () => {
  const CONNECTIONS = 5;
  const FILTERS = 10_000;
  const dir = tempDir('broker-pending-hooks-');
  const clients: MqttClient[] = [];
  let broker: BrokerProcess;

  beforeAll(async () => {
    writeExtension(dir.path, 'never-answers', NEVER_ANSWERS);
    // The longest hook deadline there is: without a bound every pending answer is held for a minute.
    broker = await BrokerProcess.start({ env: { EXTENSIONS_DIR: dir.path, EXTENSION_HOOK_TIMEOUT_MS: '60000' } });
  }, 30_000);

  afterAll(async () => {
    await closeAll(clients);
    await stopAll([broker]);
    dir.remove();
  });

  it('refuses a client past 1,000 pending answers at once, so subscriptions to a hook that never answers cost bounded memory', async () => {
    const pid = broker.child.pid!;
    const settle = await connect(broker.mqttUrl, { clientId: 'warm-up' });
    clients.push(settle);
    await settle.subscribeAsync('warm/x', { qos: 0 });
    const before = rssBytes(pid);

    for (let k = 0; k < CONNECTIONS; k++) {
      const c = await connect(broker.mqttUrl, { clientId: `flood-${k}`, keepalive: 0 });
      clients.push(c);
      const filters: Record<string, { qos: 0 }> = {};
      for (let i = 0; i < FILTERS; i++) filters[`never/${k}/${i}`] = { qos: 0 };
      // No SUBACK before the pending answers time out: nothing to wait for here.
      c.subscribe(filters, () => undefined);
    }
    const reason = await waitFor(
      async () => {
        const e = (await broker.health('extensions/never-answers/internals/entrypoint')).body;
        return e.status === 'DEGRADED' && /too many pending/.test(e.details['last-failure']) && e.details['last-failure'];
      },
      20_000,
      'the bound on pending hook answers to be reached',
    );
    expect(reason).toBe('authorizeSubscribe not asked: too many pending hook answers for one client (1000)');

    // Every filter of every packet has been asked or refused by now; memory stays near where it was.
    let peak = 0;
    for (const until = Date.now() + 5000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
      peak = Math.max(peak, rssBytes(pid));
    }
    expect((peak - before) / 2 ** 20).toBeLessThan(60);

    // Other clients are still asked and served meanwhile.
    const other = await connect(broker.mqttUrl, { clientId: 'other' });
    clients.push(other);
    await other.subscribeAsync('fine/x', { qos: 1 });
    expect(broker.running).toBe(true);
  }, 60_000);
});
