import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { closeAll, closedAfter, connect, nextMessage } from '../support/mqtt-clients.js';
import { freePort, hasBinary, RedisServer, waitFor } from '../support/processes.js';

const HEARTBEAT_MS = 1000;
const describeWithRedis = hasBinary('redis-server') ? describe : describe.skip;

describeWithRedis('demo broker cluster on Redis', () => {
  let redis: RedisServer;
  const nodes: Record<string, BrokerProcess | undefined> = {};
  const clients: MqttClient[] = [];
  const ids = ['node-a', 'node-b', 'node-c'];

  const startNode = async (id: string, port?: number) => {
    nodes[id] = await BrokerProcess.start({
      env: { REDIS_URL: redis.url, NODE_ID: id, HEARTBEAT_MS: String(HEARTBEAT_MS), ...(port ? { MQTT_PORT: String(port) } : {}) },
    });
    return nodes[id]!;
  };
  const cluster = async (id: string) => (await nodes[id]!.health('cluster')).body;

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    await Promise.all(ids.map((id) => startNode(id)));
  }, 60_000);

  afterAll(async () => {
    await closeAll(clients);
    await stopAll(Object.values(nodes));
    await redis?.kill();
  });

  it('forms a three-node cluster with exactly one leader', async () => {
    for (const id of ids) {
      await waitFor(async () => (await cluster(id)).details?.['cluster-size'] === 3, 5000, `${id} to see three nodes`);
    }
    const views = await Promise.all(ids.map(cluster));
    for (const [i, view] of views.entries()) {
      expect(view.status).toBe('UP');
      expect(view.details).toEqual({
        'node-id': ids[i],
        'cluster-nodes': ids,
        'cluster-size': 3,
        'node-state': 'RUNNING',
        'is-leader': expect.any(Boolean),
        'is-leave-replication-in-progress': false,
        'cluster-mode': true,
      });
    }
    await waitFor(async () => (await Promise.all(ids.map(cluster))).filter((v) => v.details['is-leader']).length === 1, 5000, 'one leader');
    const storage = (await nodes['node-a']!.health('storage')).body;
    expect(storage).toEqual({ status: 'UP', details: { type: 'redis', 'network-dependency': true } });
    const readiness = (await nodes['node-a']!.health('readiness')).body;
    expect(Object.keys(readiness.components).sort()).toEqual(['broker', 'cluster', 'mqtt', 'storage']);
  });

  it('routes a message published on one node to a subscriber on another', async () => {
    const subscriber = await connect(nodes['node-a']!.mqttUrl);
    const publisher = await connect(nodes['node-c']!.mqttUrl);
    clients.push(subscriber, publisher);
    await subscriber.subscribeAsync('cross/node', { qos: 1 });
    const got = nextMessage(subscriber, 'cross/node');
    await publisher.publishAsync('cross/node', 'hello from c', { qos: 1 });
    expect((await got).payload).toBe('hello from c');
    await closeAll([subscriber, publisher]);
  });

  it('reports DEGRADED "1/2 peers reachable" within three heartbeats of a node dying, and UP when it returns', async () => {
    const port = nodes['node-c']!.mqttPort;
    await nodes['node-c']!.kill();
    const killedAt = Date.now();
    for (const id of ['node-a', 'node-b']) {
      const view = await waitFor(
        async () => {
          const v = await cluster(id);
          return v.status === 'DEGRADED' && v;
        },
        3 * HEARTBEAT_MS,
        `${id} to report the dead peer`,
        50,
      );
      expect(view.details).toMatchObject({ reason: '1/2 peers reachable', 'cluster-size': 3, 'node-state': 'RUNNING' });
    }
    expect(Date.now() - killedAt).toBeLessThanOrEqual(3 * HEARTBEAT_MS);
    const readiness = await nodes['node-a']!.health('readiness');
    expect(readiness.status).toBe(200);
    expect(readiness.body.status).toBe('DEGRADED_SERVICE');

    await startNode('node-c', port);
    for (const id of ['node-a', 'node-b']) {
      await waitFor(async () => (await cluster(id)).status === 'UP', 3 * HEARTBEAT_MS, `${id} to see node-c back`);
    }
    await waitFor(
      async () => (await Promise.all(ids.map(cluster))).filter((v) => v.details['is-leader']).length === 1,
      4 * HEARTBEAT_MS,
      'one leader',
    );
  }, 40_000);

  it('reports storage DOWN and readiness 503 while Redis is down, refuses QoS 1 meanwhile, and recovers without restarting a broker', async () => {
    const qos1 = await connect(nodes['node-a']!.mqttUrl, { clientId: 'qos1-during-outage' });
    clients.push(qos1);
    await redis.kill();
    for (const id of ids) {
      const storage = await waitFor(
        async () => {
          const s = (await nodes[id]!.health('storage')).body;
          return s.status === 'DOWN' && s;
        },
        5000,
        `${id} storage to go DOWN`,
      );
      expect(storage.details).toMatchObject({
        type: 'redis',
        'network-dependency': true,
        reason: 'storage unavailable',
        error: expect.any(String),
      });
      const readiness = await nodes[id]!.health('readiness');
      expect(readiness.status).toBe(503);
      expect(readiness.body.status).toBe('OUT_OF_SERVICE');
      // A shared outage never fails liveness: restarting the fleet would not bring Redis back.
      expect(await nodes[id]!.health('liveness')).toMatchObject({ status: 200, body: { status: 'UP' } });
    }
    // Cut off from Redis, a node no longer hears its own heartbeat: it is out of its cluster, and says so.
    const cutOff = await waitFor(
      async () => {
        const c = await cluster('node-a');
        return c.status === 'DOWN' && c;
      },
      3 * HEARTBEAT_MS,
      'node-a to see itself cut off',
    );
    expect(cutOff.details.reason).toMatch(/^cut off from the cluster/);
    expect(await nodes['node-a']!.health('liveness')).toMatchObject({ status: 200, body: { status: 'UP' } });
    // Nothing to store a QoS 1 message in: the publisher is disconnected at once instead of acknowledged.
    let acknowledged = false;
    expect(
      await closedAfter(qos1, () => qos1.publish('during/outage', 'must be stored', { qos: 1 }, (error) => (acknowledged = !error)), 2000),
    ).toBe(true);
    expect(acknowledged).toBe(false);
    const pids = ids.map((id) => nodes[id]!.child.pid);

    await redis.start();
    for (const id of ids) {
      await waitFor(async () => (await nodes[id]!.health('readiness')).status === 200, 10_000, `${id} to be ready again`);
    }
    expect(ids.map((id) => nodes[id]!.child.pid)).toEqual(pids);
    expect(ids.every((id) => nodes[id]!.running)).toBe(true);
    // The emitter re-subscribed: cross-node routing works again.
    const subscriber = await connect(nodes['node-b']!.mqttUrl);
    const publisher = await connect(nodes['node-a']!.mqttUrl);
    clients.push(subscriber, publisher);
    await subscriber.subscribeAsync('after/outage', { qos: 1 });
    const got = nextMessage(subscriber, 'after/outage');
    await publisher.publishAsync('after/outage', 'routed', { qos: 1 });
    expect((await got).payload).toBe('routed');
    for (const id of ids) await waitFor(async () => (await cluster(id)).status === 'UP', 5000, `${id} cluster UP after the outage`);
  }, 40_000);

  it('lets a node leave on SIGTERM: the others drop it and read UP with two nodes once it is gone', async () => {
    const code = await nodes['node-b']!.stop();
    expect({ code, log: code === 0 ? '' : nodes['node-b']!.log }).toEqual({ code: 0, log: '' });
    for (const id of ['node-a', 'node-c']) {
      await waitFor(async () => (await cluster(id)).details['cluster-size'] === 2, 6000, `${id} to drop node-b`);
      const view = await cluster(id);
      expect(view.status).toBe('UP');
      expect(view.details['cluster-nodes']).toEqual(['node-a', 'node-c']);
    }
  }, 20_000);
});

describeWithRedis('demo broker waiting for Redis at start', () => {
  let redis: RedisServer | undefined;
  const nodes: BrokerProcess[] = [];
  afterAll(async () => {
    await stopAll(nodes);
    await redis?.kill();
  });

  it('serves liveness while it waits, and becomes ready once Redis is up, without a restart', async () => {
    const port = await freePort();
    const node = await BrokerProcess.start({
      env: { REDIS_URL: `redis://127.0.0.1:${port}`, NODE_ID: 'early', HEARTBEAT_MS: String(HEARTBEAT_MS) },
      waitFor: 'health',
    });
    nodes.push(node);
    // Liveness checks nothing external (the demo's default): a node waiting for Redis is alive.
    expect(await node.health('liveness')).toMatchObject({ status: 200, body: { status: 'UP' } });
    const readiness = await node.health('readiness');
    expect(readiness.status).toBe(503);
    expect(readiness.body).toMatchObject({ status: 'OUT_OF_SERVICE', details: { reason: 'starting' } });
    // Nothing has started yet: the broker, storage and the joining cluster are DOWN (not initialised), never UP.
    expect(readiness.body.components.broker).toMatchObject({
      status: 'DOWN',
      details: { reason: expect.stringMatching(/^waiting for storage/) },
    });
    expect(readiness.body.components.cluster).toMatchObject({ status: 'DOWN', details: { 'node-state': 'JOINING' } });
    expect(readiness.body.components.storage.status).toBe('DOWN');
    expect(readiness.body.components.mqtt.components[`tcp-listener-${node.mqttPort}`]).toMatchObject({
      status: 'DOWN',
      details: { 'is-running': false, reason: expect.stringMatching(/^not listening yet: the broker is waiting for storage/) },
    });

    redis = new RedisServer(port);
    await redis.start();
    await waitFor(async () => (await node.health('readiness')).status === 200, 10_000, 'the node to start');
    expect((await node.health('cluster')).body).toMatchObject({ status: 'UP', details: { 'node-state': 'RUNNING', 'node-id': 'early' } });
    const client = await connect(node.mqttUrl);
    expect(client.connected).toBe(true);
    await client.endAsync();
  }, 30_000);

  it('exits 0 on SIGTERM while still waiting for Redis', async () => {
    const node = await BrokerProcess.start({
      env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, NODE_ID: 'never', DRAIN_MS: '200' },
      waitFor: 'health',
    });
    nodes.push(node);
    expect(await node.stop()).toBe(0);
  });
});
