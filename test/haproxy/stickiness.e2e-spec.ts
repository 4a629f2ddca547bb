import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { connect } from '../support/mqtt-clients.js';
import { freePort, hasBinary, waitFor } from '../support/processes.js';
import { SHIPPED_CFG, ShippedHaproxy } from './shipped-haproxy.js';

/**
 * The shipped deploy/haproxy/haproxy.cfg, run by a real haproxy in front of three demo brokers with
 * embedded storage (independent nodes), rewritten only where it must be to run on 127.0.0.1: its
 * balance, client-id stickiness and check lines are the ones under test.
 *
 * Which broker a client reached: Aedes publishes `$SYS/<broker id>/heartbeat`, the demo's broker id is
 * its NODE_ID, named like haproxy's servers, and an independent broker only publishes its own.
 */
const NAMES = ['broker1', 'broker2', 'broker3'];
const HEARTBEAT_MS = 200;
/** The shipped default-server line checks every 2s and takes a server out after 2 failures. */
const DOWN_WITHIN_MS = 2 * 2_000 + 4_000;
const describeWithHaproxy = hasBinary('haproxy') ? describe : describe.skip;

describeWithHaproxy(`client-id stickiness of the shipped ${SHIPPED_CFG}`, () => {
  const brokers: Record<string, BrokerProcess | undefined> = {};
  let haproxy: ShippedHaproxy;

  /** Connects as `clientId` through haproxy, learns which broker answered, disconnects. */
  const landOn = async (clientId: string): Promise<string> => {
    const client = await connect(`mqtt://127.0.0.1:${haproxy.mqttPort}`, { clientId });
    try {
      const heartbeat = new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no $SYS heartbeat within 3 s for ${clientId}`)), 3_000);
        client.on('message', (topic) => {
          const id = /^\$SYS\/([^/]+)\/heartbeat$/.exec(topic)?.[1];
          if (!id) return;
          clearTimeout(timer);
          resolve(id);
        });
      });
      await client.subscribeAsync('$SYS/+/heartbeat');
      return await heartbeat;
    } finally {
      await client.endAsync(true).catch(() => undefined);
    }
  };
  const landings = async (clientId: string, times: number): Promise<string[]> => {
    const seen: string[] = [];
    for (let i = 0; i < times; i++) seen.push(await landOn(clientId));
    return seen;
  };
  const stuckTo = async (clientId: string): Promise<string | undefined> => {
    const serverId = (await haproxy.stickTable()).get(clientId);
    return serverId === undefined ? undefined : (await haproxy.serverIds()).get(serverId);
  };

  beforeAll(async () => {
    const started = await Promise.all(
      NAMES.map(async (name) => {
        const agentPort = await freePort();
        const broker = await BrokerProcess.start({
          env: { NODE_ID: name, HEARTBEAT_MS: String(HEARTBEAT_MS), HEALTH_AGENT_PORT: String(agentPort) },
        });
        brokers[name] = broker;
        return { name, mqttPort: broker.mqttPort, healthPort: broker.healthPort, agentPort };
      }),
    );
    haproxy = new ShippedHaproxy(started);
    await haproxy.start();
    await waitFor(async () => [...(await haproxy.state()).values()].every((s) => s.status === 'UP'), 10_000, 'all three servers UP');
  }, 60_000);

  afterAll(async () => {
    await haproxy?.stop();
    await stopAll(Object.values(brokers));
  });

  it('sends one client id to the same broker on every reconnect, keyed on that id', async () => {
    const seen = await landings('sticky-client', 6);
    expect({ seen }).toEqual({ seen: Array(6).fill(seen[0]) });
    expect(await stuckTo('sticky-client')).toBe(seen[0]);
  });

  it('spreads different client ids over the brokers', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 12; i++) seen.push(await landOn(`spread-${i}`));
    expect({ seen, distinct: new Set(seen).size >= 2 }).toEqual({ seen, distinct: true });
    // Each id is pinned to where it first landed.
    for (let i = 0; i < 12; i++) expect(await stuckTo(`spread-${i}`)).toBe(seen[i]);
  });

  it("serves every broker's Health API behind the shipped health_frontend, one broker after another", async () => {
    const answers = [];
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`http://127.0.0.1:${haproxy.healthPort}/api/v1/health/broker`);
      const body = (await response.json()) as { status: string; details: Record<string, unknown> };
      answers.push({ code: response.status, status: body.status, node: body.details['node-id'] });
    }
    expect(answers.map(({ code, status }) => ({ code, status }))).toEqual(Array(6).fill({ code: 200, status: 'UP' }));
    expect(new Set(answers.map((answer) => answer.node))).toEqual(new Set(NAMES));
  });

  it('moves a client id off its broker when that broker dies, and then keeps it on the new one', async () => {
    const [first] = await landings('failover-client', 1);
    await brokers[first]!.kill();
    const killedAt = Date.now();
    await waitFor(
      async () => (await haproxy.state()).get(first)!.status.startsWith('DOWN'),
      DOWN_WITHIN_MS,
      `haproxy to mark ${first} DOWN`,
    );
    const downAfterMs = Date.now() - killedAt;
    const seen = await landings('failover-client', 6);
    expect({ seen, downAfterMs }).toEqual({ seen: Array(6).fill(seen[0]), downAfterMs });
    expect(seen[0]).not.toBe(first);
    expect(brokers[seen[0]]!.running).toBe(true);
    expect(await stuckTo('failover-client')).toBe(seen[0]);
  }, 40_000);

  it('balances clients without a client id instead of pinning them all to one broker', async () => {
    const seen = await landings('', 6);
    expect({ seen, distinct: new Set(seen).size >= 2 }).toEqual({ seen, distinct: true });
    expect((await haproxy.stickTable()).has('')).toBe(false);
  });

  it('closes a connection whose first bytes are not MQTT without waiting for the inspect delay', async () => {
    const deniedBefore = await haproxy.deniedRequests();
    const socket = tcpConnect(haproxy.mqttPort, '127.0.0.1');
    const startedAt = Date.now();
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - startedAt)));
    socket.on('error', () => undefined);
    socket.end('GET / HTTP/1.1\r\nHost: broker\r\n\r\n');
    const timeout = new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), 3_000).unref());
    expect(await Promise.race([closed, timeout])).toBeLessThan(3_000);
    socket.destroy();
    // Closed by the frontend's `tcp-request content reject`, not by a broker it was passed to.
    expect(await haproxy.deniedRequests()).toBe(deniedBefore + 1);
  });
});
