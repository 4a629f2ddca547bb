import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { freePort, hasBinary, RedisServer, waitFor } from '../support/processes.js';

const HEARTBEAT_MS = 1000;
const GRACE_MS = 4000;
const describeWithRedis = hasBinary('redis-server') ? describe : describe.skip;

async function get(port: number, path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2000) });
  return { status: response.status, text: await response.text() };
}

/** The liveness probes of HiveMQ, FluxMQ and the engine: they check nothing external, whatever happens to Redis. */
const PLAIN_LIVENESS: Record<string, string | RegExp> = {
  // The one member: the event loop, which only a stall past 10 s fails.
  '/api/v1/health/liveness': /^\{"status":"UP","components":\{"event-loop":\{"status":"UP",[^]*\}\}\}$/,
  '/livez': '{"status":"ok"}',
  '/healthz': '{"status":"ok"}',
  '/health': '{"status":"healthy"}',
};

/**
 * Both liveness models from one broker, with no switch: HiveMQ's, FluxMQ's and the engine's probes
 * check nothing external, while Zeebe's gateway liveness (/actuator/health/liveness) counts the
 * resources, the event loop and the cluster, tolerating a lost cluster for CLUSTER_LIVENESS_GRACE_MS.
 */
describeWithRedis('liveness through a shared Redis outage: every seed’s model on its own endpoints', () => {
  let redis: RedisServer;
  let broker: BrokerProcess;
  let peer: BrokerProcess;
  let zeebePort: number;
  let killedAt: number | undefined;
  const killRedis = async () => {
    if (killedAt !== undefined) return;
    await redis.kill();
    killedAt = Date.now();
  };
  const actuator = async (path = '/liveness') => {
    const answer = await get(broker.healthPort, `/actuator/health${path}`);
    return { status: answer.status, body: JSON.parse(answer.text) };
  };
  const expectPlainLivenessUp = async () => {
    for (const [path, body] of Object.entries(PLAIN_LIVENESS))
      expect({ path, ...(await get(broker.healthPort, path)) }).toEqual({
        path,
        status: 200,
        text: typeof body === 'string' ? body : expect.stringMatching(body),
      });
    expect((await get(broker.healthPort, '/livez?verbose')).text).toBe('[+]ping ok\n[+]event-loop ok\nlivez check passed\n');
  };

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    zeebePort = await freePort();
    const env = { REDIS_URL: redis.url, HEARTBEAT_MS: String(HEARTBEAT_MS) };
    [broker, peer] = await Promise.all([
      BrokerProcess.start({
        env: {
          ...env,
          NODE_ID: 'both-models',
          HEALTH_VIEWS: `hivemq,fluxmq,kubernetes,actuator,zeebe@:${zeebePort}`,
          CLUSTER_LIVENESS_GRACE_MS: String(GRACE_MS),
        },
      }),
      BrokerProcess.start({ env: { ...env, NODE_ID: 'peer' } }),
    ]);
    await waitFor(async () => (await broker.health('cluster')).body.details?.['cluster-size'] === 2, 10_000, 'a two-node cluster');
  }, 60_000);

  afterAll(async () => {
    await stopAll([broker, peer]);
    await redis?.kill();
  });

  it("answers Zeebe's liveness from resources, the event loop and the cluster, and every other liveness from the event loop", async () => {
    const zeebe = await actuator();
    expect(zeebe.status).toBe(200);
    expect(Object.keys(zeebe.body.components)).toEqual(['resources', 'event-loop', 'cluster']);
    expect((await broker.health('liveness')).body.components).toEqual({ 'event-loop': expect.anything() });
    const system = await actuator('');
    expect(system.body.components.livenessState).toEqual({ status: 'UP' });
    await expectPlainLivenessUp();
  });

  it('counts the lost cluster down its window on /actuator/health/liveness alone, then fails it; the others stay 200', async () => {
    await killRedis();
    const within = await waitFor(
      async () => {
        const liveness = await actuator();
        return liveness.body.details?.['grace-remaining-ms']?.cluster !== undefined ? liveness : undefined;
      },
      3 * HEARTBEAT_MS + 2000,
      'the grace window to start',
    );
    expect(within.status).toBe(200);
    expect(within.body.status).toBe('UP');
    expect(within.body.components.cluster).toMatchObject({ status: 'DOWN' });
    const left = within.body.details['grace-remaining-ms'].cluster;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(GRACE_MS);
    await expectPlainLivenessUp();
    // Zeebe's /health follows the whole system: the outage shows there at once.
    expect((await get(zeebePort, '/health')).status).toBe(503);

    await waitFor(async () => (await actuator()).status === 503, GRACE_MS + 2000, 'the grace window to run out');
    const after = await actuator();
    expect(after.body.status).toBe('DOWN');
    expect(after.body.components.cluster).toMatchObject({ status: 'DOWN' });
    // The actuator's own system answer shows the same liveness its /liveness route answers.
    expect((await actuator('')).body.components.livenessState).toEqual({ status: 'DOWN' });
    // HiveMQ, FluxMQ and the engine still check nothing external: no restart for a shared outage.
    await expectPlainLivenessUp();
    expect((await broker.health()).body.components['liveness-state']).toEqual({ status: 'UP' });
    expect((await broker.health('readiness')).status).toBe(503);
    expect((await get(broker.healthPort, '/ready')).status).toBe(503);
  }, 30_000);
});
