import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from '@jest/globals';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { freePort, hasBinary, RedisServer } from '../support/processes.js';

const HEARTBEAT_MS = 1000;
const describeWithRedis = hasBinary('redis-server') ? describe : describe.skip;

/** Nest's lines, colours stripped: `[Nest] 123  - 1/2/2026, 10:00:00 AM    WARN [Health] broker: ...`. */
function lines(log: string): string[] {
  return log.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
}

const alarms = (log: string) => lines(log).filter((line) => /^\[Nest\] \d+ .*?\s(WARN|ERROR|FATAL)\s/.test(line));

describe('a healthy boot is quiet and truthful', () => {
  const brokers: BrokerProcess[] = [];
  afterAll(() => stopAll(brokers));

  it('logs no WARN or ERROR until ready, with embedded storage', async () => {
    const broker = await BrokerProcess.start();
    brokers.push(broker);
    // One more refresh after ready: the transitions of the start itself are logged by then.
    await sleep(1200);
    expect(alarms(broker.log)).toEqual([]);
    expect(broker.log).toContain('group readiness: OUT_OF_SERVICE -> UP');
  });

  it('reports the broker, storage, cluster and listeners waiting for Redis as DOWN with the cause, and holds readiness at "starting"', async () => {
    // A Redis that never answers keeps the broker before its start: nothing has started yet.
    const broker = await BrokerProcess.start({
      env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, NODE_ID: 'early' },
      waitFor: 'health',
    });
    brokers.push(broker);
    const readiness = await broker.health('readiness');
    expect(readiness.status).toBe(503);
    expect(readiness.body).toMatchObject({ status: 'OUT_OF_SERVICE', details: { reason: 'starting' } });
    const { components } = readiness.body;
    // Not initialised is DOWN, with what each waits for: every check here has run and judged.
    expect(components.broker).toMatchObject({ status: 'DOWN', details: { reason: expect.stringMatching(/^waiting for storage/) } });
    expect(components.storage).toMatchObject({ status: 'DOWN', details: { reason: 'storage unavailable' } });
    expect(components.cluster).toMatchObject({ status: 'DOWN', details: { 'node-state': 'JOINING' } });
    const notListening = expect.stringMatching(/^not listening yet: the broker is waiting for storage/);
    expect(components.mqtt).toMatchObject({ status: 'DOWN', details: { reason: notListening } });
    expect(components.mqtt.components[`tcp-listener-${broker.mqttPort}`]).toMatchObject({
      status: 'DOWN',
      details: { reason: notListening, 'is-running': false },
    });
    // Liveness checks nothing external: a node waiting for its store is alive.
    expect(await broker.health('liveness')).toMatchObject({ status: 200, body: { status: 'UP' } });
  });
});

describeWithRedis('a healthy cluster boot is quiet', () => {
  let redis: RedisServer | undefined;
  const brokers: BrokerProcess[] = [];
  afterAll(async () => {
    await stopAll(brokers);
    await redis?.kill();
  });

  it('logs no WARN or ERROR until ready, and says once that the node leads', async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    const broker = await BrokerProcess.start({ env: { REDIS_URL: redis.url, NODE_ID: 'quiet', HEARTBEAT_MS: String(HEARTBEAT_MS) } });
    brokers.push(broker);
    // Several lease renewals: the leader line must not come back with each.
    await sleep(4 * HEARTBEAT_MS);
    expect(alarms(broker.log)).toEqual([]);
    expect(lines(broker.log).filter((line) => line.includes('node quiet is the leader'))).toHaveLength(1);
    expect(lines(broker.log).filter((line) => line.includes('node quiet joined the cluster'))).toHaveLength(1);
  }, 30_000);
});
