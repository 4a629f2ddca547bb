import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BrokerProcess, stopAll, type HealthAnswer } from '../support/broker-process.js';
import { agentReply, freePort, hasBinary, RedisServer, waitFor } from '../support/processes.js';

const describeWithRedis = hasBinary('redis-server') ? describe : describe.skip;

async function get(broker: BrokerProcess, path: string): Promise<HealthAnswer> {
  const response = await fetch(`http://127.0.0.1:${broker.healthPort}${path}`, { signal: AbortSignal.timeout(2000) });
  return { status: response.status, body: await response.json() };
}

const healthLines = (log: string) =>
  log
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((line) => line.includes('[Health]'));

describeWithRedis('the root cause, not the first name in the alphabet', () => {
  let redis: RedisServer;
  let node: BrokerProcess | undefined;
  let agentPort: number;

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    agentPort = await freePort();
    node = await BrokerProcess.start({
      env: {
        REDIS_URL: redis.url,
        NODE_ID: 'root-cause',
        HEARTBEAT_MS: '1000',
        HEALTH_VIEWS: 'hivemq,fluxmq,kubernetes',
        HEALTH_AGENT_PORT: String(agentPort),
      },
    });
  }, 30_000);

  afterAll(async () => {
    await stopAll([node]);
    await redis?.kill();
  });

  it('names storage when Redis dies under a cluster node, in FluxMQ details, the agent-check and the log, though the cluster fails too', async () => {
    const broker = node!;
    await redis.kill();
    // Both fail once the node stops hearing its own heartbeat (a few heartbeats after storage).
    const ready = await waitFor(
      async () => {
        const answer = await get(broker, '/ready');
        return answer.body.checks?.storage?.status === 'down' && answer.body.checks?.cluster?.status === 'down' ? answer : undefined;
      },
      10_000,
      'storage and cluster both down',
    );
    expect(ready.status).toBe(503);
    expect(ready.body.details).toBe('storage unavailable');
    expect(Object.keys(ready.body.checks)).toEqual(['broker', 'storage', 'cluster', 'mqtt']);
    expect(ready.body.checks.broker).toEqual({ status: 'up' });
    expect(await agentReply(agentPort)).toBe('down #storage,cluster unavailable\n');

    const lines = await waitFor(
      () => {
        const found = healthLines(broker.log);
        return found.some((line) => /cluster: UP -> DOWN/.test(line)) ? found : undefined;
      },
      3000,
      'the cluster transition in the log',
    );
    const storageAt = lines.findIndex((line) => /storage: UP -> DOWN \(storage unavailable: .+\)/.test(line));
    const clusterAt = lines.findIndex((line) => /cluster: UP -> DOWN/.test(line));
    expect(storageAt).toBeGreaterThanOrEqual(0);
    expect(storageAt).toBeLessThan(clusterAt);
    // The readiness line names storage as the root cause, with its underlying error.
    expect(lines.find((line) => line.includes('group readiness: UP -> OUT_OF_SERVICE'))).toMatch(
      /\(root cause storage — storage unavailable: .+\)/,
    );

    await redis.start();
    await waitFor(async () => (await get(broker, '/ready')).status === 200, 15_000, 'ready again once Redis is back');
    // A restarted Redis lost the broker's data: storage reads DEGRADED, so the node serves at reduced weight.
    expect(await agentReply(agentPort)).toMatch(/^up ready /);
  }, 40_000);
});
