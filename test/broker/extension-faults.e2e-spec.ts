import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
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
