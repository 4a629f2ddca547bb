import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { freePort, hasBinary, RedisServer, waitFor } from '../support/processes.js';

const HEARTBEAT_MS = 1000;
const GRACE_MS = 3000;
const describeWithRedis = hasBinary('redis-server') ? describe : describe.skip;

async function get(broker: BrokerProcess, path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${broker.healthPort}${path}`, { signal: AbortSignal.timeout(2000) });
  return { status: response.status, text: await response.text() };
}

/** Every liveness probe the demo serves by default (HEALTH_VIEWS=hivemq,fluxmq,kubernetes). */
const LIVENESS_VIEWS: Record<string, string | RegExp> = {
  // The one member: the event loop, which only a stall past 10 s fails.
  '/api/v1/health/liveness': /^\{"status":"UP","components":\{"event-loop":\{"status":"UP",[^]*\}\}\}$/,
  '/livez': '{"status":"ok"}',
  '/healthz': '{"status":"ok"}',
  '/health': '{"status":"healthy"}',
};

describeWithRedis('liveness through a shared Redis outage', () => {
  let redis: RedisServer;
  let plain: BrokerProcess;
  let graced: BrokerProcess;
  let killedAt: number | undefined;
  const killRedis = async () => {
    if (killedAt !== undefined) return;
    await redis.kill();
    killedAt = Date.now();
  };

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    const env = { REDIS_URL: redis.url, HEARTBEAT_MS: String(HEARTBEAT_MS) };
    [plain, graced] = await Promise.all([
      BrokerProcess.start({ env: { ...env, NODE_ID: 'plain' } }),
      BrokerProcess.start({ env: { ...env, NODE_ID: 'graced', CLUSTER_LIVENESS_GRACE_MS: String(GRACE_MS) } }),
    ]);
    await waitFor(async () => (await graced.health('cluster')).body.details?.['cluster-size'] === 2, 10_000, 'a two-node cluster');
  }, 60_000);

  afterAll(async () => {
    await stopAll([plain, graced]);
    await redis?.kill();
  });

  it('counts the cluster down the grace window, says how much is left, and fails liveness only after it (opt-in)', async () => {
    await killRedis();
    const within = await waitFor(
      async () => {
        const liveness = await graced.health('liveness');
        return liveness.body.details?.['grace-remaining-ms'] && liveness;
      },
      3 * HEARTBEAT_MS + 2000,
      'the grace window to start',
    );
    expect(within.status).toBe(200);
    expect(within.body.status).toBe('UP');
    expect(within.body.components.cluster).toMatchObject({ status: 'DOWN', details: { reason: expect.stringContaining('cut off') } });
    const left = within.body.details['grace-remaining-ms'].cluster;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(GRACE_MS);
    const verbose = await get(graced, '/livez?verbose');
    expect(verbose.status).toBe(200);
    expect(verbose.text).toMatch(/^\[\+\]cluster ok \(within its grace window, \d+ ms left\)$/m);

    await waitFor(async () => (await graced.health('liveness')).status === 503, GRACE_MS + 2000, 'the grace window to run out');
    const after = await graced.health('liveness');
    expect(after.body.status).toBe('DOWN');
    expect(after.body.details).toBeUndefined();
  }, 20_000);

  it('keeps every liveness view of a default node 200 UP, with Redis down longer than any grace', async () => {
    await killRedis();
    await sleep(Math.max(0, killedAt! + GRACE_MS + 2 * HEARTBEAT_MS - Date.now()));
    for (const [path, body] of Object.entries(LIVENESS_VIEWS))
      expect({ path, ...(await get(plain, path)) }).toEqual({
        path,
        status: 200,
        text: typeof body === 'string' ? body : expect.stringMatching(body),
      });
    expect((await get(plain, '/livez?verbose')).text).toBe('[+]ping ok\n[+]event-loop ok\nlivez check passed\n');
    // Not ready, not healthy as a whole: the outage shows where it belongs.
    expect((await plain.health('readiness')).status).toBe(503);
    expect((await get(plain, '/ready')).status).toBe(503);
  });
});
