import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { writeExtension } from '../support/extension-fixtures.js';
import { closeAll, closedAfter, connect, subscribeGranted } from '../support/mqtt-clients.js';
import { tempDir, waitFor } from '../support/processes.js';
import { brokerRunner, EX_CONFIG } from './config-errors.kit.js';

const WINDOW_MS = 1500;
const HOOK_TIMEOUT_MS = 300;

/** An async publish hook: rejects for clients whose id starts with "bad", allows the others a little later. */
const FLAKY = `export default () => ({
  configure() { return {}; },
  async authorizePublish(client) {
    if (client && client.id.startsWith('bad')) throw new Error('no rules for ' + client.id);
    await new Promise((resolve) => setTimeout(resolve, 20));
    return true;
  },
});`;

/** A subscribe hook that never answers clean: it throws on throw/…, never settles on anything else. */
const ALWAYS_FAILS = `export default () => ({
  configure() { return {}; },
  authorizeSubscribe(client, subscription) {
    if (subscription.topic.startsWith('throw/')) throw new TypeError('cannot read properties of undefined (reading "rules")');
    return new Promise(() => {});
  },
});`;

/** Starts only with a configuration that says ok. */
const NEEDS_OK = `export default () => ({
  configure(config) { if (!config.ok) throw new Error('"ok" is required'); return {}; },
});`;

describe('demo broker: a DOWN extension reads enabled: false; a hook failure clears once the extension runs clean', () => {
  const dir = tempDir('broker-extension-recovery-');
  const clients: MqttClient[] = [];
  let broker: BrokerProcess;
  const client = async (id: string) => {
    const c = await connect(broker.mqttUrl, { clientId: id });
    clients.push(c);
    return c;
  };
  const extension = async (id: string) => (await broker.health(`extensions/${id}`)).body;
  const entrypoint = async (id: string) => (await broker.health(`extensions/${id}/internals/entrypoint`)).body;

  beforeAll(async () => {
    writeExtension(dir.path, 'flaky', FLAKY);
    writeExtension(dir.path, 'always-fails', ALWAYS_FAILS);
    writeExtension(dir.path, 'needs-ok', NEEDS_OK);
    writeExtension(dir.path, 'fails-then-off', NEEDS_OK);
    writeExtension(dir.path, 'switched-off', NEEDS_OK, { ok: true });
    const manifest = join(dir.path, 'switched-off', 'extension.json');
    writeFileSync(manifest, JSON.stringify({ id: 'switched-off', name: 'switched-off', version: '0.1.0', author: 'test', enabled: false }));
    broker = await BrokerProcess.start({
      env: {
        EXTENSIONS_DIR: dir.path,
        EXTENSION_FAILURE_WINDOW_MS: String(WINDOW_MS),
        EXTENSION_HOOK_TIMEOUT_MS: String(HOOK_TIMEOUT_MS),
      },
    });
  }, 30_000);

  afterAll(async () => {
    await closeAll(clients);
    await stopAll([broker]);
    dir.remove();
  });

  it('shows enabled: false for an extension that failed to start, with the time its start began; true once it runs', async () => {
    const down = await extension('needs-ok');
    expect(down).toEqual({
      status: 'DOWN',
      details: {
        author: 'test',
        enabled: false,
        name: 'needs-ok',
        priority: 10,
        'start-priority': 10,
        startedAt: expect.any(Number),
        version: '0.1.0',
      },
      components: {
        internals: {
          status: 'DOWN',
          components: {
            entrypoint: {
              status: 'DOWN',
              details: {
                'last-startup-failure': 'Extension startup prevented because of the following error: Error: "ok" is required',
                'started-at': down.details.startedAt,
              },
            },
            services: { status: 'UP' },
          },
        },
      },
    });
    // Keys in HiveMQ's (alphabetical) order, as the example prints them.
    expect(Object.keys(down.components.internals.components.entrypoint.details)).toEqual(['last-startup-failure', 'started-at']);
    // Switched off in extension.json: not running, not a failure.
    expect(await extension('switched-off')).toMatchObject({ status: 'UP', details: { enabled: false, startedAt: null } });

    writeFileSync(join(dir.path, 'needs-ok', 'conf', 'config.json'), JSON.stringify({ ok: true }));
    const up = await waitFor(
      async () => {
        const e = await extension('needs-ok');
        return e.status === 'UP' && e;
      },
      5000,
      'needs-ok to start with its fixed configuration',
    );
    expect(up.details.enabled).toBe(true);
    expect(up.details.startedAt).toBeGreaterThan(down.details.startedAt);

    // A configuration it rejects: the running instance stays, and so does enabled: true.
    writeFileSync(join(dir.path, 'needs-ok', 'conf', 'config.json'), '{}');
    const rejected = await waitFor(
      async () => {
        const e = await extension('needs-ok');
        return e.status === 'DEGRADED' && e;
      },
      5000,
      'needs-ok to reject its new configuration',
    );
    expect(rejected.details.enabled).toBe(true);

    // A failed one switched off: UP, enabled: false, no start time and no failure left.
    expect((await extension('fails-then-off')).status).toBe('DOWN');
    const offManifest = join(dir.path, 'fails-then-off', 'extension.json');
    writeFileSync(
      offManifest,
      JSON.stringify({ id: 'fails-then-off', name: 'fails-then-off', version: '0.1.0', author: 'test', enabled: false }),
    );
    const off = await waitFor(
      async () => {
        const e = await extension('fails-then-off');
        return e.status === 'UP' && e;
      },
      5000,
      'fails-then-off to be switched off',
    );
    expect([off.details.enabled, off.components.internals.components.entrypoint.details]).toEqual([false, { 'started-at': null }]);
  });

  it('reads DEGRADED after an async hook rejects for one client, then UP once clean traffic has run for the window', async () => {
    const bad = await client('bad-1');
    expect(await closedAfter(bad, () => bad.publish('any/x', 'x', { qos: 1 }), 3000)).toBe(true);
    const degraded = await waitFor(
      async () => {
        const e = await entrypoint('flaky');
        return e.status === 'DEGRADED' && e;
      },
      3000,
      'flaky to turn DEGRADED',
    );
    expect(degraded.details['last-failure']).toBe('authorizePublish rejected with Error: no rules for bad-1');
    const failedAt: number = degraded.details['last-failure-at'];

    const good = await client('good-1');
    let published = 0;
    /** Statuses other than DEGRADED read before the window ended, however clean the traffic: none expected. */
    const early: string[] = [];
    const recovered = await waitFor(
      async () => {
        await good.publishAsync('any/x', String(published++), { qos: 1 });
        const e = await entrypoint('flaky');
        if (Date.now() < failedAt + WINDOW_MS && e.status !== 'DEGRADED') early.push(e.status);
        return e.status === 'UP' && e;
      },
      WINDOW_MS + 5000,
      'flaky to turn UP again after clean traffic for the window',
      200,
    );
    expect(early).toEqual([]);
    expect(Date.now()).toBeGreaterThanOrEqual(failedAt + WINDOW_MS);
    expect(recovered.details).toEqual({
      'started-at': expect.any(Number),
      'last-failure': 'authorizePublish rejected with Error: no rules for bad-1',
      'last-failure-at': failedAt,
    });
    expect(good.connected).toBe(true);
    expect((await extension('flaky')).status).toBe('UP');
  });

  it('stays DEGRADED past the window while its hook throws or misses EXTENSION_HOOK_TIMEOUT_MS at every call', async () => {
    const subscriber = await client('subscriber-1');
    expect(await subscribeGranted(subscriber, 'throw/1')).toBe(0x80);
    const thrown = await waitFor(
      async () => {
        const e = await entrypoint('always-fails');
        return e.status === 'DEGRADED' && e;
      },
      3000,
      'always-fails to turn DEGRADED',
    );
    expect(thrown.details['last-failure']).toBe(
      'authorizeSubscribe threw TypeError: cannot read properties of undefined (reading "rules")',
    );

    // No call at all for longer than the window: nothing ran clean, so it stays DEGRADED.
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 1000));
    expect(await entrypoint('always-fails')).toMatchObject({ status: 'DEGRADED', details: thrown.details });

    // Calls now and then, each missing the deadline: the failure is renewed, never cleared.
    for (let i = 0; i < 2; i++) {
      expect(await subscribeGranted(subscriber, `hang/${i}`)).toBe(0x80);
      await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 300));
      const e = await entrypoint('always-fails');
      expect(e.status).toBe('DEGRADED');
      expect(e.details['last-failure']).toBe(`authorizeSubscribe did not settle within ${HOOK_TIMEOUT_MS} ms (EXTENSION_HOOK_TIMEOUT_MS)`);
    }
    expect(subscriber.connected).toBe(true);
    expect((await extension('always-fails')).status).toBe('DEGRADED');
  }, 20_000);
});

describe('demo broker: EXTENSION_FAILURE_WINDOW_MS it cannot use is refused at start, naming it', () => {
  const scratch = tempDir('extension-window-errors-');
  const runBroker = brokerRunner(scratch.path);
  afterAll(() => scratch.remove());

  it.each([
    ['not a number', 'a minute'],
    ['below its minimum', '999'],
    ['above its maximum', '86400001'],
  ])('%s', async (_what, value) => {
    const { code, lines } = await runBroker({ EXTENSION_FAILURE_WINDOW_MS: value });
    expect([code, lines.length]).toEqual([EX_CONFIG, 1]);
    expect(lines[0]).toMatch(/^Environment variable EXTENSION_FAILURE_WINDOW_MS\b.*from 1000 to 86400000/);
    expect(lines[0]).toContain(value);
  });
});
