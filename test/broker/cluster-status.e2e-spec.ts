import { afterAll, describe, expect, it } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { BrokerProcess, stopAll, type HealthAnswer } from '../support/broker-process.js';
import { closeAll, connect } from '../support/mqtt-clients.js';
import { freePort, hasBinary, RedisServer, tempDir, waitFor } from '../support/processes.js';

const describeWithRedis = hasBinary('redis-server') ? describe : describe.skip;

async function clusterStatus(broker: BrokerProcess): Promise<HealthAnswer['body']> {
  const response = await fetch(`http://127.0.0.1:${broker.healthPort}/cluster/status`, { signal: AbortSignal.timeout(2000) });
  return response.json();
}

/** The session count once the next refresh has seen it. */
const sessionsReach = (broker: BrokerProcess, count: number) =>
  waitFor(async () => (await clusterStatus(broker)).sessions === count, 5000, `sessions ${count}`);

/** A persistent session (clean: false) with one subscription, its client gone. */
async function leavePersistentSession(broker: BrokerProcess, clientId: string): Promise<void> {
  const client = await connect(broker.mqttUrl, { clientId, clean: false });
  await client.subscribeAsync(`sessions/${clientId}`, { qos: 1 });
  await client.endAsync();
}

const clients: MqttClient[] = [];
const brokers: BrokerProcess[] = [];
afterAll(async () => {
  await closeAll(clients);
  await stopAll(brokers);
});

describe('FluxMQ /cluster/status on a single node', () => {
  it('says single-node, no cluster, and counts the persistent sessions left offline with the connected clients', async () => {
    const node = await BrokerProcess.start({ env: { NODE_ID: 'status-single', HEALTH_VIEWS: 'hivemq,fluxmq' } });
    brokers.push(node);
    expect(await clusterStatus(node)).toEqual({ node_id: 'single-node', is_leader: false, cluster_mode: false, sessions: 0 });

    await leavePersistentSession(node, 'offline-1');
    clients.push(await connect(node.mqttUrl, { clientId: 'online-clean' }));
    const clean = await connect(node.mqttUrl, { clientId: 'gone-clean' });
    await clean.endAsync();
    // One connected client and one offline persistent session; a clean session ends with its connection.
    await sessionsReach(node, 2);
    // The persistent client back: still one session each.
    clients.push(await connect(node.mqttUrl, { clientId: 'offline-1', clean: false }));
    await sessionsReach(node, 2);
    expect(await clusterStatus(node)).toEqual({ node_id: 'single-node', is_leader: false, cluster_mode: false, sessions: 2 });
  }, 30_000);

  it('still counts the persistent sessions its store kept after a restart, until their clients come back', async () => {
    const data = tempDir('sessions-restart-');
    try {
      let node = await BrokerProcess.start({ env: { NODE_ID: 'status-restart', HEALTH_VIEWS: 'hivemq,fluxmq', DATA_DIR: data.path } });
      brokers.push(node);
      for (const id of ['kept-1', 'kept-2', 'kept-3']) await leavePersistentSession(node, id);
      await sessionsReach(node, 3);
      expect(await node.stop()).toBe(0);

      node = await BrokerProcess.start({ env: { ...node.env, DATA_DIR: data.path } });
      brokers.push(node);
      expect((await clusterStatus(node)).sessions).toBe(3);
      // A returning client resumes one of them: still three sessions, one of them connected.
      const back = await connect(node.mqttUrl, { clientId: 'kept-1', clean: false });
      clients.push(back);
      await sessionsReach(node, 3);
      // A new persistent client adds one.
      clients.push(await connect(node.mqttUrl, { clientId: 'newcomer', clean: false }));
      await sessionsReach(node, 4);
      // A clean connection under a stored id ends that session, as the store does: one fewer once it leaves.
      const takeover = await connect(node.mqttUrl, { clientId: 'kept-2', clean: true });
      await takeover.endAsync();
      await sessionsReach(node, 3);
      await node.stop();
    } finally {
      data.remove();
    }
  }, 40_000);
});

describeWithRedis('FluxMQ /cluster/status on a cluster', () => {
  let redis: RedisServer | undefined;
  afterAll(() => redis?.kill());

  it('names the node, and an offline session counts on the node it left until its client connects elsewhere', async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    const env = { REDIS_URL: redis.url, HEARTBEAT_MS: '1000', HEALTH_VIEWS: 'hivemq,fluxmq' };
    const a = await BrokerProcess.start({ env: { ...env, NODE_ID: 'status-a' } });
    brokers.push(a);
    const b = await BrokerProcess.start({ env: { ...env, NODE_ID: 'status-b' } });
    brokers.push(b);
    expect(await clusterStatus(a)).toMatchObject({ node_id: 'status-a', cluster_mode: true, sessions: 0 });

    await leavePersistentSession(a, 'roamer');
    await sessionsReach(a, 1);
    expect((await clusterStatus(b)).sessions).toBe(0);
    clients.push(await connect(b.mqttUrl, { clientId: 'roamer', clean: false }));
    await sessionsReach(b, 1);
    await sessionsReach(a, 0);
    expect(await clusterStatus(b)).toMatchObject({ node_id: 'status-b', cluster_mode: true, sessions: 1 });
  }, 40_000);
});
