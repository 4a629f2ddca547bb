import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { writeExtension } from '../support/extension-fixtures.js';
import { closeAll, closedAfter, connect } from '../support/mqtt-clients.js';
import { freePort, hasBinary, RedisServer, tempDir, waitFor } from '../support/processes.js';
import { fleetOf, HEARTBEAT_MS, retained, statuses, sysSubscriber, type SysMessage } from './fleet.kit.js';

const describeWithRedis = hasBinary('redis-server') ? describe : describe.skip;

/** Starts only with a configuration that says ok: without one it is DOWN, and fixed by writing one, without a restart. */
const NEEDS_OK = `export default () => ({
  configure(config) { if (!config.ok) throw new Error('"ok" is required'); return {}; },
});`;
const FAILURE = 'Extension startup prevented because of the following error: Error: "ok" is required';

/**
 * An extension failing on one node of three, seen from another node's /fleet with the failing component
 * and its reason; the fleet's health over MQTT: each change once to a subscriber on any node, the
 * current state retained for a late one, and `$SYS/` closed to clients' publishes.
 */
describeWithRedis('the fleet: a member DOWN, and the fleet over MQTT', () => {
  let redis: RedisServer;
  const nodes: Record<string, BrokerProcess | undefined> = {};
  const clients: MqttClient[] = [];
  const extensions = tempDir('fleet-extensions-');
  /** Subscribers to every member's health and the verdict, on node 1 and on node 3. */
  let watcher: { client: MqttClient; messages: SysMessage[] };
  let farWatcher: { client: MqttClient; messages: SysMessage[] };

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    writeExtension(extensions.path, 'needs-ok', NEEDS_OK);
    const env = { REDIS_URL: redis.url, HEARTBEAT_MS: String(HEARTBEAT_MS) };
    await Promise.all(
      ['n1', 'n2', 'n3'].map(async (id) => {
        nodes[id] = await BrokerProcess.start({
          env: { ...env, NODE_ID: id, ...(id === 'n2' ? { EXTENSIONS_DIR: extensions.path } : {}) },
        });
      }),
    );
    for (const id of ['n1', 'n2', 'n3'])
      await waitFor(
        async () => JSON.stringify(statuses(await fleetOf(nodes[id]))) === JSON.stringify({ n1: 'UP', n2: 'DOWN', n3: 'UP' }),
        10_000,
        `${id} to read n2 DOWN and the others UP`,
      );
    // Connected before anything changes: every message from here on is counted.
    watcher = await sysSubscriber(nodes.n1!.mqttUrl, ['$SYS/+/health']);
    farWatcher = await sysSubscriber(nodes.n3!.mqttUrl, ['$SYS/+/health']);
    clients.push(watcher.client, farWatcher.client);
  }, 60_000);

  afterAll(async () => {
    await closeAll(clients);
    await stopAll(Object.values(nodes));
    await redis?.kill();
    extensions.remove();
  });

  it("node 1's /fleet says node 2 is DOWN and why: the failing component and its reason", async () => {
    const fleet = (await fleetOf(nodes.n1))!;
    expect(fleet).toMatchObject({
      status: 'DEGRADED',
      reason: expect.stringContaining('n2 DOWN'),
      quorum: { members: 3, available: 3, needed: 2, lost: false },
      counts: { UP: 2, DOWN: 1 },
    });
    // DOWN through /health (a broken extension), still ready: HiveMQ's rule.
    expect(fleet.members.n2).toMatchObject({ status: 'DOWN', groups: { liveness: 'UP', readiness: 'UP' } });
    const entrypoint = { status: 'DOWN', details: { reason: FAILURE } };
    expect(fleet.members.n2.components.extensions).toEqual({
      status: 'DOWN',
      components: { 'needs-ok': { status: 'DOWN', components: { internals: { status: 'DOWN', components: { entrypoint } } } } },
    });
    expect(await nodes.n1!.health('fleet/n2/extensions/needs-ok/internals/entrypoint')).toEqual({ status: 503, body: entrypoint });
    expect(await nodes.n1!.health('fleet/n2')).toMatchObject({ status: 503, body: { node: 'n2', status: 'DOWN' } });
    const nope = await nodes.n1!.health('fleet/n2/nope');
    expect(nope).toEqual({
      status: 404,
      body: { statusCode: 404, error: 'Not Found', message: expect.stringContaining('no such component') },
    });
  });

  it('a late subscriber on node 3 reads every member and the verdict, retained, as the members publish them', async () => {
    const health = await retained(nodes.n3!.mqttUrl, '$SYS/+/health');
    expect(Object.keys(health).sort()).toEqual(['$SYS/fleet/health', '$SYS/n1/health', '$SYS/n2/health', '$SYS/n3/health']);
    for (const id of ['n1', 'n2', 'n3']) expect(health[`$SYS/${id}/health`]).toEqual((await nodes.n1!.health(`fleet/${id}`)).body);
    expect(health['$SYS/fleet/health']).toEqual({
      status: 'DEGRADED',
      quorum: { members: 3, available: 3, needed: 2, lost: false },
      counts: expect.objectContaining({ UP: 2, DOWN: 1 }),
      members: { n1: 'UP', n2: 'DOWN', n3: 'UP' },
      'updated-at': expect.any(String),
    });
  });

  it("a subscriber on node 1 receives node 2's change once, and the fleet's new verdict once; one on node 3 the same", async () => {
    const from = watcher.messages.length;
    const farFrom = farWatcher.messages.length;
    writeFileSync(join(extensions.path, 'needs-ok', 'conf', 'config.json'), JSON.stringify({ ok: true }));
    await waitFor(
      () => watcher.messages.slice(from).some((m) => m.topic === '$SYS/n2/health' && m.body.status === 'UP'),
      10_000,
      "n2's change on $SYS/n2/health",
    );
    await waitFor(
      () => watcher.messages.slice(from).some((m) => m.topic === '$SYS/fleet/health' && m.body.status === 'UP'),
      5000,
      'the verdict UP on $SYS/fleet/health',
    );
    // Whatever else happens, by then every message is in: a second copy would come through the same emitter.
    await new Promise((resolve) => setTimeout(resolve, 4 * HEARTBEAT_MS));
    const changes = watcher.messages.slice(from);
    const n2 = changes.filter((m) => m.topic === '$SYS/n2/health');
    expect(n2.at(-1)!.body).toEqual((await nodes.n3!.health('fleet/n2')).body);
    // Each of n2's summaries once (a change is one summary: its updated-at), live, not retained copies.
    const times = n2.map((m) => m.body['updated-at']);
    expect(new Set(times).size).toBe(times.length);
    expect(n2.every((m) => !m.retain)).toBe(true);
    const verdicts = changes.filter((m) => m.topic === '$SYS/fleet/health').map((m) => JSON.stringify({ ...m.body, 'updated-at': 0 }));
    expect(new Set(verdicts).size).toBe(verdicts.length);
    expect(JSON.parse(verdicts.at(-1)!)).toMatchObject({ status: 'UP', members: { n1: 'UP', n2: 'UP', n3: 'UP' } });
    // No one else's health moved: n1 and n3 published nothing.
    expect(changes.filter((m) => m.topic === '$SYS/n1/health' || m.topic === '$SYS/n3/health')).toEqual([]);
    // On another node, the same messages in the same order.
    const said = (messages: SysMessage[]) => messages.map((m) => `${m.topic} ${m.payload}`);
    expect(said(farWatcher.messages.slice(farFrom))).toEqual(said(changes));
  }, 30_000);

  it("refuses a client's publish under $SYS/: the client is disconnected and the retained health unchanged", async () => {
    const before = await retained(nodes.n1!.mqttUrl, '$SYS/n1/health');
    expect(before['$SYS/n1/health']).toMatchObject({ node: 'n1', status: 'UP' });
    const forger = await connect(nodes.n2!.mqttUrl, { clientId: 'forger' });
    clients.push(forger);
    const forged = JSON.stringify({ node: 'n1', status: 'DOWN' });
    expect(await closedAfter(forger, () => forger.publish('$SYS/n1/health', forged, { qos: 0, retain: true }))).toBe(true);
    expect(await retained(nodes.n3!.mqttUrl, '$SYS/n1/health')).toEqual(before);
    expect(watcher.messages.some((m) => m.payload === forged)).toBe(false);
    // `$SYS` alone is the broker's too.
    const bare = await connect(nodes.n2!.mqttUrl, { clientId: 'forger-2' });
    clients.push(bare);
    expect(await closedAfter(bare, () => bare.publish('$SYS', forged, { qos: 0, retain: true }))).toBe(true);
    expect(await retained(nodes.n3!.mqttUrl, '$SYS')).toEqual({});
  });
});

describe('the fleet of a single node (no REDIS_URL)', () => {
  let broker: BrokerProcess | undefined;
  afterAll(async () => stopAll([broker]));

  it('is the node alone, in /fleet and retained on $SYS/<id>/health and $SYS/fleet/health', async () => {
    broker = await BrokerProcess.start({ env: { NODE_ID: 'solo' } });
    await waitFor(async () => (await fleetOf(broker))?.status === 'UP', 5000, 'the fleet of one UP');
    expect(await fleetOf(broker)).toMatchObject({ node: 'solo', quorum: { members: 1, available: 1, needed: 1, lost: false } });
    const health = await waitFor(
      async () => {
        const found = await retained(broker!.mqttUrl, '$SYS/+/health');
        return found['$SYS/solo/health']?.status === 'UP' && found['$SYS/fleet/health'] ? found : undefined;
      },
      5000,
      'the retained health of the node alone',
    );
    expect(health['$SYS/solo/health']).toEqual((await broker.health('fleet/solo')).body);
    expect(health['$SYS/fleet/health']).toMatchObject({ status: 'UP', members: { solo: 'UP' } });
  });

  it('gives a wildcard subscription no retained $SYS/ message (MQTT-4.7.2-1), a client retained message still', async () => {
    const client = await connect(broker!.mqttUrl);
    await client.publishAsync('home/hall', 'on', { qos: 1, retain: true });
    await client.endAsync();
    const everything = await retained(broker!.mqttUrl, '#');
    expect(Object.keys(everything)).toEqual(['home/hall']);
    expect(Object.keys(await retained(broker!.mqttUrl, '+/+/health'))).toEqual([]);
  });
});
