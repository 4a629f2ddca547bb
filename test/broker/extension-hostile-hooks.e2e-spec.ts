import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { closeAll, closedAfter, connect, subscribeGranted } from '../support/mqtt-clients.js';
import { tempDir, waitFor } from '../support/processes.js';
import { writeExtension } from '../support/extension-fixtures.js';

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
    // Running clean needs a hook answered in time since the failure, not only the time passing.
    await (await client('clean-publisher')).publishAsync('fine/x', 'ok', { qos: 1 });

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
