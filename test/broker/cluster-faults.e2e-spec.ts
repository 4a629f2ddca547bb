import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { faultMatrixEnv, recordFault } from '../support/fault-matrix.js';
import { freePort, hasBinary, RedisServer, waitFor } from '../support/processes.js';

const HEARTBEAT_MS = 1000;
const describeWithRedis = hasBinary('redis-server') ? describe : describe.skip;

/** What every view answers when a peer dies, Redis hangs or Redis dies, as the README's fault matrix shows it. */
describeWithRedis('demo broker cluster faults, seen through every view', () => {
  let redis: RedisServer;
  let watcher: BrokerProcess;
  let peer: BrokerProcess | undefined;

  const start = async (id: string, extra: Record<string, string> = {}) =>
    BrokerProcess.start({ env: { REDIS_URL: redis.url, NODE_ID: id, HEARTBEAT_MS: String(HEARTBEAT_MS), ...extra } });
  const body = async (path: string) => (await watcher.health(path)).body;

  /** Milliseconds until `ok` holds, from now. */
  const timeUntil = async (ok: () => Promise<boolean>, what: string) => {
    const startedAt = Date.now();
    await waitFor(ok, 20_000, what, 100);
    return Date.now() - startedAt;
  };

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    [watcher, peer] = await Promise.all([start('watcher', await faultMatrixEnv()), start('peer')]);
    await waitFor(async () => (await body('cluster')).details?.['cluster-size'] === 2, 10_000, 'a two-node cluster');
  }, 60_000);

  afterAll(async () => {
    redis?.resume();
    await stopAll([watcher, peer]);
    await redis?.kill();
  });

  it('a killed peer turns the cluster DEGRADED and readiness DEGRADED_SERVICE (still 200) within 3 heartbeats', async () => {
    await peer!.kill();
    const ms = await timeUntil(async () => (await body('cluster')).status === 'DEGRADED', 'the cluster to be DEGRADED');
    const readiness = await watcher.health('readiness');
    expect(readiness).toMatchObject({ status: 200, body: { status: 'DEGRADED_SERVICE' } });
    expect((await body('cluster')).details.reason).toBe('0/1 peers reachable');
    expect(ms).toBeLessThanOrEqual(3 * HEARTBEAT_MS + 1000);
    await recordFault('Peer killed', 10, watcher, ms);
  }, 30_000);

  it('a hung Redis turns storage DOWN and readiness 503, liveness stays 200, and it recovers by itself', async () => {
    redis.pause();
    const ms = await timeUntil(async () => (await body('storage')).status === 'DOWN', 'storage to be DOWN');
    expect((await watcher.health('readiness')).status).toBe(503);
    expect(await watcher.health('liveness')).toMatchObject({ status: 200, body: { status: 'UP' } });
    await recordFault('Redis hung', 21, watcher, ms);
    redis.resume();
    await waitFor(async () => (await watcher.health('readiness')).status === 200, 20_000, 'readiness back after Redis resumed');
  }, 40_000);

  it('a killed Redis turns storage DOWN and readiness 503 within one refresh or two, liveness stays 200', async () => {
    await redis.kill();
    const ms = await timeUntil(async () => (await body('storage')).status === 'DOWN', 'storage to be DOWN');
    expect((await watcher.health('readiness')).status).toBe(503);
    expect(await watcher.health('liveness')).toMatchObject({ status: 200, body: { status: 'UP' } });
    await recordFault('Redis killed', 20, watcher, ms);
  }, 30_000);
});
