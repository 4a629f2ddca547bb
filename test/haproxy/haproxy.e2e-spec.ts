import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { Haproxy } from '../support/haproxy.js';
import { closeAll, connect } from '../support/mqtt-clients.js';
import { freePort, hasBinary, RedisServer, waitFor } from '../support/processes.js';

/**
 * Two demo brokers behind a real haproxy, checked as deploy/haproxy/haproxy.cfg does (httpchk on
 * readiness + agent-check). Each broker has its own Redis so one can lose its storage alone; broker
 * a has a cluster peer outside haproxy, whose death makes a degraded.
 */
const CHECK_INTERVAL_MS = 500;
const describeWithBinaries = hasBinary('haproxy') && hasBinary('redis-server') ? describe : describe.skip;

describeWithBinaries('demo brokers behind haproxy', () => {
  const redis: Record<'a' | 'b', RedisServer | undefined> = { a: undefined, b: undefined };
  const brokers: Record<string, BrokerProcess | undefined> = {};
  const clients: MqttClient[] = [];
  let haproxy: Haproxy;

  const startBroker = async (id: string, redisUrl: string, env: Record<string, string> = {}) => {
    const agentPort = await freePort();
    const broker = await BrokerProcess.start({
      env: { NODE_ID: id, REDIS_URL: redisUrl, HEARTBEAT_MS: '250', HEALTH_AGENT_PORT: String(agentPort), ...env },
    });
    brokers[id] = broker;
    return { broker, agentPort };
  };
  const server = async (name: string) => (await haproxy.state()).get(name)!;
  const connectedClients = async (id: string) => (await brokers[id]!.health('broker')).body.details['connected-clients'] as number;

  /** A client through haproxy, and which broker it landed on (by that broker's client count). */
  const connectThroughHaproxy = async (expected: string) => {
    const before = await connectedClients(expected);
    const client = await connect(`mqtt://127.0.0.1:${haproxy.mqttPort}`, { clientId: `via-haproxy-${clients.length}` });
    clients.push(client);
    await waitFor(async () => (await connectedClients(expected)) === before + 1, 5_000, `the client to reach ${expected}`);
  };

  beforeAll(async () => {
    redis.a = new RedisServer(await freePort());
    redis.b = new RedisServer(await freePort());
    await Promise.all([redis.a.start(), redis.b.start()]);
    const [a, b] = await Promise.all([startBroker('a', redis.a.url), startBroker('b', redis.b.url, { DRAIN_MS: '4000' })]);
    await startBroker('a-peer', redis.a.url);
    await waitFor(
      async () => (await brokers.a!.health('cluster')).body.details?.['cluster-size'] === 2,
      10_000,
      'a and its peer to form a cluster',
    );
    haproxy = new Haproxy(
      [
        { name: 'a', mqttPort: a.broker.mqttPort, healthPort: a.broker.healthPort, agentPort: a.agentPort },
        { name: 'b', mqttPort: b.broker.mqttPort, healthPort: b.broker.healthPort, agentPort: b.agentPort },
      ],
      CHECK_INTERVAL_MS,
    );
    await haproxy.start();
  }, 90_000);

  afterAll(async () => {
    await closeAll(clients);
    await haproxy?.stop();
    await stopAll(Object.values(brokers));
    await Promise.all([redis.a?.kill(), redis.b?.kill()]);
  });

  it('routes to both brokers at full weight while both are ready', async () => {
    await waitFor(async () => (await server('a')).status === 'UP' && (await server('b')).status === 'UP', 10_000, 'both servers UP');
    expect(await server('a')).toEqual({ status: 'UP', weight: 100 });
    expect(await server('b')).toEqual({ status: 'UP', weight: 100 });
  });

  it('lowers the weight of a degraded broker instead of taking it out', async () => {
    await brokers['a-peer']!.kill();
    await waitFor(async () => (await brokers.a!.health('readiness')).body.status === 'DEGRADED_SERVICE', 10_000, 'a to be degraded');
    const degraded = await waitFor(
      async () => {
        const state = await server('a');
        return state.weight === 50 ? state : undefined;
      },
      4 * CHECK_INTERVAL_MS + 2_000,
      'haproxy to halve the weight of a',
    );
    expect(degraded.status).toBe('UP');
    expect((await server('b')).weight).toBe(100);
  });

  it('takes a broker whose storage failed out within two check intervals; clients reach the other', async () => {
    await redis.a!.kill();
    await waitFor(async () => (await brokers.a!.health('readiness')).status === 503, 10_000, 'a to be not ready');
    const notReadyAt = Date.now();
    await waitFor(async () => (await server('a')).status.startsWith('DOWN'), 2 * CHECK_INTERVAL_MS + 1_500, 'haproxy to mark a DOWN');
    expect(Date.now() - notReadyAt).toBeLessThanOrEqual(2 * CHECK_INTERVAL_MS + 1_500);
    for (let i = 0; i < 3; i++) await connectThroughHaproxy('b');
    expect(brokers.a!.running).toBe(true);
  });

  it('drains a broker on SIGTERM: haproxy stops sending it clients while it keeps its own, then it disconnects them and exits 0', async () => {
    await redis.a!.start();
    await waitFor(async () => (await server('a')).status === 'UP', 20_000, 'a to come back after its storage recovered');
    const onB = clients.slice(0, 3);
    expect(onB.every((client) => client.connected)).toBe(true);
    const exit = brokers.b!.stop('SIGTERM');
    await waitFor(async () => (await brokers.b!.health('readiness')).status === 503, 5_000, 'b to drain');
    const outOfRotation = async () => {
      const { status } = await server('b');
      return status === 'DRAIN' || status.startsWith('DOWN');
    };
    await waitFor(outOfRotation, 2 * CHECK_INTERVAL_MS + 1_500, 'haproxy to stop routing to b');
    expect(await outOfRotation()).toBe(true);
    expect(brokers.b!.running).toBe(true);
    for (let i = 0; i < 2; i++) await connectThroughHaproxy('a');
    // Still serving the clients it had during the drain window...
    expect(onB.every((client) => client.connected)).toBe(true);
    expect(await exit).toBe(0);
    // ...then it disconnected them on close.
    await waitFor(() => onB.every((client) => !client.connected), 3_000, "b's clients to be disconnected");
  }, 30_000);
});
