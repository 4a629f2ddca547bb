import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { faultMatrixEnv, recordFault } from '../support/fault-matrix.js';
import { closeAll, connect } from '../support/mqtt-clients.js';
import { freePort, hasBinary, RedisServer, waitFor } from '../support/processes.js';

const HEARTBEAT_MS = 1000;
/** The claim on a node id lapses three heartbeats after its holder's last renewal. */
const LEASE_MS = 3 * HEARTBEAT_MS;
const describeWithRedis = hasBinary('redis-server') ? describe : describe.skip;

/** Resolves once `client` is closed by the broker, false if it stays connected for `waitMs`. */
const closedWithin = (client: MqttClient, waitMs: number) =>
  new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), waitMs);
    client.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

describeWithRedis('demo broker: two processes started with one NODE_ID', () => {
  let redis: RedisServer;
  const brokers: BrokerProcess[] = [];
  const clients: MqttClient[] = [];
  const start = async (nodeId: string, waitFor: 'ready' | 'health' = 'ready', extra: Record<string, string> = {}) => {
    const broker = await BrokerProcess.start({
      env: { REDIS_URL: redis.url, NODE_ID: nodeId, HEARTBEAT_MS: String(HEARTBEAT_MS), ...extra },
      waitFor,
    });
    brokers.push(broker);
    return broker;
  };

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
  });

  afterAll(async () => {
    await closeAll(clients);
    await stopAll(brokers);
    await redis?.kill();
  });

  it("keeps the second one out while the first lives (503 naming the holder, no leader, no MQTT), lets it in once a killed first one's lease expires, and lets a replacement in at once after a clean stop", async () => {
    const first = await start('node-1');
    const other = await start('node-2');
    const second = await start('node-1', 'health', await faultMatrixEnv());

    const held = await waitFor(
      async () => {
        const answer = await second.health('cluster');
        return answer.body.details?.reason?.includes('held by a live member') && answer;
      },
      10_000,
      'the second node-1 to say its id is held',
    );
    expect(held.status).toBe(503);
    expect(held.body).toMatchObject({ status: 'DOWN', details: { 'node-id': 'node-1', 'node-state': 'JOINING', 'is-leader': false } });
    expect(held.body.details.reason).toMatch(
      new RegExp(
        `^node id node-1 is held by a live member \\(pid ${first.child.pid} on host \\S+, instance [0-9a-f]{12}\\); waiting for its lease to expire`,
      ),
    );
    const readiness = await second.health('readiness');
    expect([readiness.status, readiness.body.status]).toEqual([503, 'OUT_OF_SERVICE']);
    expect((await second.health('liveness')).status).toBe(200);
    // The first one is untouched: still ready, still the only leader.
    expect((await first.health('readiness')).status).toBe(200);
    const leaders = await Promise.all([first, other, second].map(async (b) => (await b.health('cluster')).body.details['is-leader']));
    expect(leaders.filter(Boolean)).toHaveLength(1);
    expect(leaders[2]).toBe(false);
    // It serves no client under a borrowed identity.
    await expect(connect(second.mqttUrl, { clientId: 'borrowed', connectTimeout: 1000 })).rejects.toThrow(/ECONNREFUSED/);
    expect(second.log.match(/WARN.*node id node-1 is held by a live member/g)).toHaveLength(1);
    // A state from its start, not a change: recorded without a delay.
    await recordFault("Second broker with a live member's NODE_ID", 12, second);

    // kill -9: no goodbye, the claim lapses by itself; until then the second one stays out.
    await first.kill();
    const killedAt = Date.now();
    await waitFor(async () => (await second.health('readiness')).status === 200, LEASE_MS + 10_000, 'the second node-1 to join');
    const joinedInMs = Date.now() - killedAt;
    // The holder renewed at most half a heartbeat before it died: nobody may take its id sooner.
    expect(joinedInMs).toBeGreaterThanOrEqual(LEASE_MS - HEARTBEAT_MS);
    expect((await second.health('cluster')).body).toMatchObject({ status: 'UP', details: { 'node-state': 'RUNNING' } });
    await waitFor(
      async () =>
        (await Promise.all([other, second].map(async (b) => (await b.health('cluster')).body.details['is-leader']))).filter(Boolean)
          .length === 1,
      2 * LEASE_MS,
      'one leader',
    );

    // Client takeover between the new node-1 and node-2 works both ways.
    const onSecond = await connect(second.mqttUrl, { clientId: 'roamer', clean: false });
    clients.push(onSecond);
    const takenOver = closedWithin(onSecond, 5000);
    const onOther = await connect(other.mqttUrl, { clientId: 'roamer', clean: false });
    clients.push(onOther);
    expect(await takenOver).toBe(true);
    const takenBack = closedWithin(onOther, 5000);
    clients.push(await connect(second.mqttUrl, { clientId: 'roamer', clean: false }));
    expect(await takenBack).toBe(true);

    // A clean stop gives the id up: a replacement started right after joins without waiting for the lease.
    await closeAll(clients);
    expect(await second.stop()).toBe(0);
    const replacement = await start('node-1', 'health');
    await waitFor(async () => (await replacement.health('readiness')).status === 200, 10_000, 'the replacement to be ready');
    expect(replacement.log).not.toMatch(/held by a live member/);

    // A waiting twin stopped with SIGTERM exits at once, and its leave is not the holder's: node-1 stays a member.
    const twin = await start('node-1', 'health');
    await waitFor(
      async () => (await twin.health('cluster')).body.details?.reason?.includes('held by a live member'),
      10_000,
      'the twin to wait',
    );
    expect(await twin.stop()).toBe(0);
    const seen: string[][] = [];
    for (let i = 0; i < 10; i++) {
      seen.push((await other.health('cluster')).body.details['cluster-nodes']);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(seen.filter((nodes) => !nodes.includes('node-1'))).toEqual([]);
    expect((await replacement.health('readiness')).status).toBe(200);
  }, 60_000);
});
