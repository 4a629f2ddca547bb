import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { closeAll, closedAfter, connect, nextMessage } from '../support/mqtt-clients.js';
import { tempDir, waitFor } from '../support/processes.js';

/** An extension whose publish hook throws on one topic, as a buggy extension would. */
const THROWER = `export default () => ({
  configure() { return {}; },
  authorizePublish(client, packet) {
    if (packet.topic === 'boom') throw new TypeError('cannot read properties of undefined (reading "rules")');
    return true;
  },
});`;

function writeExtension(root: string, id: string, source: string, config?: unknown, manifest: Record<string, unknown> = {}) {
  mkdirSync(join(root, id, 'conf'), { recursive: true });
  writeFileSync(
    join(root, id, 'extension.json'),
    JSON.stringify({ id, name: id, version: '0.1.0', author: 'test', priority: 10, 'start-priority': 10, enabled: true, ...manifest }),
  );
  writeFileSync(join(root, id, 'index.js'), source);
  if (config !== undefined) writeFileSync(join(root, id, 'conf', 'config.json'), JSON.stringify(config));
}

describe('demo broker extensions', () => {
  const dir = tempDir('broker-extensions-');
  let broker: BrokerProcess;
  const clients: MqttClient[] = [];
  const client = async (id: string) => {
    const c = await connect(broker.mqttUrl, { clientId: id });
    clients.push(c);
    return c;
  };
  const extension = async (id: string) => (await broker.health(`extensions/${id}`)).body;

  beforeAll(async () => {
    cpSync('apps/broker/extensions/topic-acl', join(dir.path, 'topic-acl'), { recursive: true });
    cpSync('apps/broker/extensions/payload-limit', join(dir.path, 'payload-limit'), { recursive: true });
    writeFileSync(join(dir.path, 'payload-limit', 'conf', 'config.json'), JSON.stringify({ maxBytes: 16 }));
    writeExtension(dir.path, 'thrower', THROWER, {});
    writeExtension(dir.path, 'needs-config', readFileSync('apps/broker/extensions/payload-limit/index.js', 'utf8'));
    broker = await BrokerProcess.start({ env: { EXTENSIONS_DIR: dir.path } });
  }, 30_000);

  afterAll(async () => {
    await closeAll(clients);
    await stopAll([broker]);
    dir.remove();
  });

  it('shows each extension with HiveMQ details, and a start failure as DOWN with last-startup-failure', async () => {
    const acl = await extension('topic-acl');
    expect(acl).toEqual({
      status: 'UP',
      details: {
        author: 'nestjs-mqtt-health demo',
        enabled: true,
        name: 'Topic ACL',
        priority: 1000,
        'start-priority': 1000,
        startedAt: expect.any(Number),
        version: '1.0.0',
      },
      components: {
        application: {
          status: 'UP',
          components: {
            configuration: {
              status: 'UP',
              details: { 'publish-rules-count': 2, 'subscribe-rules-count': 2, 'reloaded-at': expect.any(Number) },
            },
          },
        },
        internals: {
          status: 'UP',
          components: { entrypoint: { status: 'UP', details: { 'started-at': expect.any(Number) } }, services: { status: 'UP' } },
        },
      },
    });
    const broken = await extension('needs-config');
    expect(broken.status).toBe('DOWN');
    expect(broken.components.application).toBeUndefined();
    const entrypoint = (await broker.health('extensions/needs-config/internals/entrypoint')).body;
    expect(entrypoint.status).toBe('DOWN');
    expect(entrypoint.details['last-startup-failure']).toMatch(
      /^Extension startup prevented because of the following error: .*ENOENT.*conf\/config\.json/,
    );
    // A broken extension makes /health DOWN (503) but leaves the node ready, as HiveMQ does.
    const system = await broker.health();
    expect(system.status).toBe(503);
    expect(system.body.components.extensions.status).toBe('DOWN');
    expect((await broker.health('readiness')).status).toBe(200);
  });

  it('logs a start failure once, not again when the file watcher starts', async () => {
    // Two polls of the watcher: a missing conf/config.json must not count as a change.
    await sleep(1200);
    const failures = broker.log.split('\n').filter((line) => line.includes('needs-config: Extension startup prevented'));
    expect(failures).toHaveLength(1);
  });

  it('enforces the topic ACL on publish and subscribe', async () => {
    const c = await client('acl-user');
    await expect(c.subscribeAsync('admin/secrets', { qos: 0 })).rejects.toThrow(/Subscribe error/);
    await c.subscribeAsync('public/news', { qos: 0 });
    const got = nextMessage(c, 'public/news');
    await c.publishAsync('public/news', 'ok');
    expect((await got).payload).toBe('ok');
    expect(await closedAfter(c, () => c.publish('admin/reboot', 'now', { qos: 1 }))).toBe(true);
  });

  it('refuses payloads over the limit by disconnecting the publisher', async () => {
    const c = await client('big-talker');
    expect(await closedAfter(c, () => c.publish('public/big', 'x'.repeat(17), { qos: 1 }))).toBe(true);
  });

  it('catches a throwing hook: the extension turns DEGRADED, the client is refused, the broker keeps serving', async () => {
    const c = await client('trigger');
    expect(await closedAfter(c, () => c.publish('boom', 'x', { qos: 1 }))).toBe(true);
    const thrower = await waitFor(
      async () => {
        const e = await extension('thrower');
        return e.status === 'DEGRADED' && e;
      },
      3000,
      'the extension to turn DEGRADED',
    );
    expect(thrower.components.internals.components.entrypoint.details['last-failure']).toBe(
      'authorizePublish threw TypeError: cannot read properties of undefined (reading "rules")',
    );
    expect(broker.running).toBe(true);
    const other = await client('after-boom');
    await other.subscribeAsync('public/after');
    const got = nextMessage(other, 'public/after');
    await other.publishAsync('public/after', 'still here');
    expect((await got).payload).toBe('still here');
  });

  it('starts a failed extension once its config is fixed, without a restart', async () => {
    const pid = broker.child.pid;
    writeFileSync(join(dir.path, 'needs-config', 'conf', 'config.json'), JSON.stringify({ maxBytes: 4 }));
    await waitFor(async () => (await extension('needs-config')).status === 'UP', 5000, 'needs-config to start');
    expect(broker.child.pid).toBe(pid);
    const c = await client('tiny');
    expect(await closedAfter(c, () => c.publish('public/x', '12345', { qos: 1 }))).toBe(true);
  });

  it('keeps the previous configuration and reports DEGRADED when a reload is invalid', async () => {
    writeFileSync(join(dir.path, 'topic-acl', 'conf', 'config.json'), '{ "publish": { "allow": "everything" } }');
    const acl = await waitFor(
      async () => {
        const e = await extension('topic-acl');
        return e.status === 'DEGRADED' && e;
      },
      5000,
      'topic-acl to reject its config',
    );
    expect(acl.components.application.components.configuration.details['last-failure']).toMatch(
      /configuration rejected, previous one still in force: .*publish\.allow/,
    );
    const c = await client('acl-still');
    expect(await closedAfter(c, () => c.publish('admin/reboot', '1', { qos: 1 }))).toBe(true);
  });

  it('stops an extension when extension.json says enabled: false, and forgets one whose folder is removed', async () => {
    const manifestPath = join(dir.path, 'payload-limit', 'extension.json');
    writeFileSync(manifestPath, JSON.stringify({ ...JSON.parse(readFileSync(manifestPath, 'utf8')), enabled: false }));
    rmSync(join(dir.path, 'needs-config'), { recursive: true });
    await waitFor(async () => (await extension('payload-limit')).details.enabled === false, 5000, 'payload-limit to stop');
    await waitFor(async () => (await broker.health('extensions/needs-config')).status === 404, 5000, 'needs-config to be removed');
    const limit = await extension('payload-limit');
    expect(limit.components.application).toBeUndefined();
    const c = await client('big-again');
    await c.subscribeAsync('public/big');
    const got = nextMessage(c, 'public/big');
    await c.publishAsync('public/big', 'x'.repeat(17), { qos: 1 });
    expect((await got).payload).toHaveLength(17);
  });
});
