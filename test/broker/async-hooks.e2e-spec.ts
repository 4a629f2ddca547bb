import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { faultMatrixEnv, recordFault } from '../support/fault-matrix.js';
import { closeAll, closedAfter, connect, connectCollecting, nextMessage, subscribeGranted } from '../support/mqtt-clients.js';
import { tempDir, waitFor } from '../support/processes.js';
import { writeExtension } from '../support/extension-fixtures.js';

const HOOK_TIMEOUT_MS = 500;
/** How often a flood of hook failures may log a line per extension (the host's interval). */
const FAILURE_LOG_INTERVAL_MS = 10_000;

/** `async` hooks that say no to one topic prefix and yes to every other topic. */
const hooks = (prefix: string, verdict: string) => `const decide = async (topic) => {
  if (!topic.startsWith(${JSON.stringify(prefix)})) return true;
  ${verdict}
};
export default () => ({
  configure() { return {}; },
  authorizePublish: (client, packet) => decide(packet.topic),
  authorizeSubscribe: (client, subscription) => decide(subscription.topic),
});`;

const EXTENSIONS: Record<string, string> = {
  'async-deny': hooks('deny/', 'return false;'),
  'async-reject': hooks('reject/', 'throw new Error(`no rule for ${topic}`);'),
  'async-hang': hooks('hang/', 'return new Promise(() => {});'),
  // Echoes the client's topic in its error, as extensions' errors often do.
  'echo-reject': hooks('evil/', 'throw new RangeError(`unknown topic ${topic}`);'),
  // Throw, and reject with, a value that String() cannot convert.
  'odd-throw': `export default () => ({
  configure() { return {}; },
  authorizePublish(client, packet) {
    if (packet.topic.startsWith('odd/sync')) throw Object.create(null);
    return true;
  },
});`,
  'odd-reject': hooks('odd/async', 'throw Object.create(null);'),
  // Synchronous, and holds the event loop for three times the hook deadline before saying yes.
  spin: `export default () => ({
  configure() { return {}; },
  authorizePublish(client, packet) {
    if (packet.topic.startsWith('spin/')) for (const until = Date.now() + ${3 * HOOK_TIMEOUT_MS}; Date.now() < until; );
    return true;
  },
});`,
};

/** A topic that would forge a log line, clear the screen and retitle the terminal if written raw. */
const INJECTED_TOPIC = 'evil/x\n[Nest] 1  - 01/01/2026, 00:00:00   ERROR [Broker] FORGED LINE\x1b[2J\x1b]0;pwned\x07\r\u2028end';

describe('demo broker: extension hooks that answer with a promise', () => {
  const dir = tempDir('broker-async-hooks-');
  let broker: BrokerProcess;
  const clients: MqttClient[] = [];
  const client = async (id: string) => {
    const c = await connect(broker.mqttUrl, { clientId: id });
    clients.push(c);
    return c;
  };
  const entrypoint = async (id: string) => (await broker.health(`extensions/${id}/internals/entrypoint`)).body;
  const degraded = (id: string, what: string) =>
    waitFor(
      async () => {
        const e = await entrypoint(id);
        return e.status === 'DEGRADED' && (e.details['last-failure'] as string);
      },
      3000,
      what,
    );

  beforeAll(async () => {
    for (const [id, source] of Object.entries(EXTENSIONS)) writeExtension(dir.path, id, source);
    broker = await BrokerProcess.start({
      env: { EXTENSIONS_DIR: dir.path, EXTENSION_HOOK_TIMEOUT_MS: String(HOOK_TIMEOUT_MS), ...(await faultMatrixEnv()) },
    });
  }, 30_000);

  afterAll(async () => {
    await closeAll(clients);
    await stopAll([broker]);
    dir.remove();
  });

  it('refuses a publish (QoS 0 and 1) and a subscription (QoS 0 and 1) when an async hook resolves to false', async () => {
    const { client: watcher, messages } = await connectCollecting(broker.mqttUrl, { clientId: 'watcher' });
    clients.push(watcher);
    await watcher.subscribeAsync('#', { qos: 1 });

    for (const qos of [0, 1] as const) {
      const publisher = await client(`deny-publisher-${qos}`);
      // Aedes answers a refused publish, at any QoS, by closing the connection (MQTT 3.1.1 has no negative PUBACK).
      expect(await closedAfter(publisher, () => publisher.publish(`deny/qos${qos}`, 'x', { qos }), 3000)).toBe(true);

      const subscriber = await client(`deny-subscriber-${qos}`);
      expect(await subscribeGranted(subscriber, `deny/qos${qos}`, qos)).toBe(0x80);
      expect(subscriber.connected).toBe(true);
    }

    // Every extension's async hook said yes to this one: delivered and acknowledged.
    const allowed = await client('allowed-publisher');
    const delivered = nextMessage(watcher, 'allowed/x');
    await allowed.publishAsync('allowed/x', 'ok', { qos: 1 });
    expect((await delivered).payload).toBe('ok');
    expect(await subscribeGranted(allowed, 'allowed/x', 1)).toBe(1);
    expect(messages.map((m) => m.topic)).toEqual(['allowed/x']);
    expect((await entrypoint('async-deny')).status).toBe('UP');
  });

  it('refuses the client when an async hook rejects, 1,000 times over, and the broker keeps serving with bounded logs', async () => {
    const pid = broker.child.pid;
    const linesBefore = broker.log.split('\n').length;
    const startedAt = Date.now();
    const first = await client('reject-0');
    expect(await closedAfter(first, () => first.publish('reject/0', 'x', { qos: 1 }), 3000)).toBe(true);
    expect(await degraded('async-reject', 'async-reject to turn DEGRADED')).toBe(
      'authorizePublish rejected with Error: no rule for reject/0',
    );
    const detectedInMs = Date.now() - startedAt;

    let next = 1;
    let refused = 1;
    // 20 publishers at a time, each on a fresh connection: a refused publish closes its connection.
    const publisher = async () => {
      while (next < 1000) {
        const i = next++;
        const c = await connect(broker.mqttUrl, { clientId: `reject-${i}` });
        if (await closedAfter(c, () => c.publish(`reject/${i}`, 'x', { qos: (i % 2) as 0 | 1 }), 5000)) refused++;
        await c.endAsync(true);
      }
    };
    await Promise.all(Array.from({ length: 20 }, publisher));
    expect(refused).toBe(1000);
    const floodMs = Date.now() - startedAt;

    expect(broker.running).toBe(true);
    expect(broker.child.pid).toBe(pid);
    expect((await broker.health('readiness')).status).toBe(200);
    await waitFor(
      async () =>
        /^authorizePublish rejected with Error: no rule for reject\/[1-9]\d*$/.test(
          (await entrypoint('async-reject')).details['last-failure'],
        ),
      3000,
      'the last rejection to be reported',
    );
    const survivor = await client('after-rejections');
    await survivor.subscribeAsync('fine/x', { qos: 1 });
    const got = nextMessage(survivor, 'fine/x');
    await survivor.publishAsync('fine/x', 'still here', { qos: 1 });
    expect((await got).payload).toBe('still here');
    await recordFault('Extension async hook rejecting', 63, broker, detectedInMs);

    // One line at the first failure, then at most one per interval, counting the ones not logged one by one.
    const failureLines = () =>
      broker.log
        .split('\n')
        .slice(linesBefore - 1)
        .filter((line) => line.includes('extension async-reject:'));
    const accounted = () => failureLines().reduce((sum, line) => sum + Number(/ (\d+) more hook failures/.exec(line)?.[1] ?? 1), 0);
    expect(failureLines().length).toBeLessThanOrEqual(2 + Math.ceil(floodMs / FAILURE_LOG_INTERVAL_MS));
    await waitFor(() => accounted() === 1000, FAILURE_LOG_INTERVAL_MS + 5000, 'the suppressed failures to be counted in the log');
    expect(failureLines().length).toBeLessThanOrEqual(2 + Math.ceil((Date.now() - startedAt) / FAILURE_LOG_INTERVAL_MS));
    expect(failureLines().at(-1)).toMatch(/more hook failures .*the last: authorizePublish rejected with Error: no rule for reject\/\d+/);
  }, 60_000);

  it('refuses a publish and a subscription whose hook never settles once EXTENSION_HOOK_TIMEOUT_MS has passed', async () => {
    const publisher = await client('hang-publisher');
    const publishedAt = Date.now();
    expect(await closedAfter(publisher, () => publisher.publish('hang/x', 'x', { qos: 1 }), HOOK_TIMEOUT_MS + 4000)).toBe(true);
    expect(Date.now() - publishedAt).toBeGreaterThanOrEqual(HOOK_TIMEOUT_MS - 50);
    expect(await degraded('async-hang', 'async-hang to turn DEGRADED')).toBe(
      `authorizePublish did not settle within ${HOOK_TIMEOUT_MS} ms (EXTENSION_HOOK_TIMEOUT_MS)`,
    );
    await recordFault('Extension async hook never settling', 64, broker, Date.now() - publishedAt);

    const subscriber = await client('hang-subscriber');
    expect(await subscribeGranted(subscriber, 'hang/x', 1)).toBe(0x80);
    expect(subscriber.connected).toBe(true);
    // Health answers come from a snapshot refreshed in the background.
    const reason = `authorizeSubscribe did not settle within ${HOOK_TIMEOUT_MS} ms (EXTENSION_HOOK_TIMEOUT_MS)`;
    await waitFor(
      async () => (await entrypoint('async-hang')).details['last-failure'] === reason,
      3000,
      'the subscribe hook to be reported',
    );
  });

  it('escapes client text a hook echoes: no forged log line, no terminal escapes, in the log or the health body', async () => {
    const publisher = await client('injector');
    expect(await closedAfter(publisher, () => publisher.publish(INJECTED_TOPIC, 'x', { qos: 1 }), 3000)).toBe(true);
    const reason = await degraded('echo-reject', 'echo-reject to turn DEGRADED');
    expect(reason).toBe(
      'authorizePublish rejected with RangeError: unknown topic evil/x\\n[Nest] 1  - 01/01/2026, 00:00:00   ERROR [Broker] FORGED LINE' +
        '\\x1b[2J\\x1b]0;pwned\\x07\\r\\u2028end',
    );
    await waitFor(() => broker.log.includes('extension echo-reject:'), 3000, 'the failure to be logged');
    expect(broker.log).toContain('unknown topic evil/x\\n[Nest] 1');
    expect(broker.log).not.toContain('FORGED LINE\x1b');
    expect(broker.log).not.toContain('\x1b[2J');
    expect(broker.log).not.toContain('\x1b]0;pwned');
    expect(broker.log.split('\n').some((line) => line.startsWith('[Nest] 1  -'))).toBe(false);
    expect(broker.running).toBe(true);
  });

  it('refuses the client when a hook throws or rejects with a value that cannot be converted to text', async () => {
    for (const [topic, id, hook] of [
      ['odd/sync', 'odd-throw', 'authorizePublish threw'],
      ['odd/async', 'odd-reject', 'authorizePublish rejected with'],
    ]) {
      const publisher = await client(`${id}-publisher`);
      expect(await closedAfter(publisher, () => publisher.publish(topic, 'x', { qos: 1 }), 3000)).toBe(true);
      expect(await degraded(id, `${id} to turn DEGRADED`)).toBe(`${hook} a value that cannot be converted to text`);
    }
    expect(broker.running).toBe(true);
  });

  it('refuses what a synchronous hook allowed after holding the event loop past the deadline, and says so', async () => {
    const publisher = await client('spinner');
    expect(await closedAfter(publisher, () => publisher.publish('spin/x', 'x', { qos: 1 }), 3 * HOOK_TIMEOUT_MS + 4000)).toBe(true);
    expect(await degraded('spin', 'spin to turn DEGRADED')).toMatch(
      new RegExp(`^authorizePublish held the event loop for \\d+ ms, over EXTENSION_HOOK_TIMEOUT_MS \\(${HOOK_TIMEOUT_MS} ms\\)$`),
    );
    // A quick answer from the same hook is still taken.
    const quick = await client('spinner-quick');
    await quick.publishAsync('quick/x', 'ok', { qos: 1 });
    expect(quick.connected).toBe(true);
  });
});
