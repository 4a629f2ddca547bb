import { afterAll, describe, expect, it } from '@jest/globals';
import mqtt, { type MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { closeAll, connect } from '../support/mqtt-clients.js';
import { freePort, hasBinary, RedisServer, waitFor } from '../support/processes.js';

const COUNT = 4000;
const IN_FLIGHT = 32;
/** The share of the messages published before the offline session comes back. */
const COMEBACK_AT = 0.4;

/** A client whose messages are collected from before its CONNACK (a session's queue follows CONNACK at once). */
function collecting(url: string, clientId: string) {
  const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000, clientId, clean: false });
  client.on('error', () => undefined);
  const received: number[] = [];
  client.on('message', (_topic, payload) => received.push(Number(payload.toString())));
  return { client, received };
}

const outOfOrder = (received: number[]) => received.filter((i, at) => at > 0 && i < received[at - 1]).length;

interface Comeback {
  acknowledged: Set<number>;
  /** What the session got on the connection it came back with, in the order it got it. */
  received: number[];
  /** With `leaveAfter`: what it got on its next connection, once the stream ended. */
  receivedNext: number[];
}

/**
 * A persistent QoS 1 session subscribes and goes away; one publisher sends COUNT QoS 1 messages, IN_FLIGHT at a
 * time; the session comes back after COMEBACK_AT of them, while its queue still fills and live messages flow.
 * With `leaveAfter`, it drops its connection once it got that many, and comes back once the stream ended.
 */
async function comeBackMidStream(url: string, tag: string, leaveAfter?: number): Promise<Comeback> {
  const topic = `${tag}/t`;
  const clients: MqttClient[] = [];
  try {
    const away = await connect(url, { clientId: `${tag}-session`, clean: false });
    await away.subscribeAsync(topic, { qos: 1 });
    await away.endAsync();
    const publisher = await connect(url, { clientId: `${tag}-publisher` });
    clients.push(publisher);

    let back: ReturnType<typeof collecting> | undefined;
    const acknowledged = new Set<number>();
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let pending = 0;
      const send = () => {
        while (pending < IN_FLIGHT && next < COUNT) {
          const i = next++;
          pending++;
          if (i === COUNT * COMEBACK_AT) {
            back = collecting(url, `${tag}-session`);
            clients.push(back.client);
            if (leaveAfter !== undefined) {
              const session = back;
              session.client.on('message', () => session.received.length === leaveAfter && session.client.end(true));
            }
          }
          publisher.publish(topic, String(i), { qos: 1 }, (error) => {
            if (error) return reject(error);
            pending--;
            acknowledged.add(i);
            if (acknowledged.size === COUNT) resolve();
            else send();
          });
        }
      };
      send();
    });
    const session = back!;
    if (leaveAfter === undefined) {
      await waitFor(() => new Set(session.received).size >= COUNT, 20_000, 'the session to get every message').catch(() => undefined);
      return { acknowledged, received: session.received, receivedNext: [] };
    }
    await waitFor(() => session.received.length >= leaveAfter, 20_000, 'the session to get part of its queue and leave');
    const next = collecting(url, `${tag}-session`);
    clients.push(next.client);
    const all = () => [...acknowledged].every((i) => session.received.includes(i) || next.received.includes(i));
    await waitFor(all, 20_000, 'the session to get every message over its two connections').catch(() => undefined);
    return { acknowledged, received: session.received, receivedNext: next.received };
  } finally {
    await closeAll(clients);
  }
}

function expectInOrderOnce(result: Comeback): void {
  expect(result.acknowledged.size).toBe(COUNT);
  expect({ delivered: new Set(result.received).size, copies: result.received.length, outOfOrder: outOfOrder(result.received) }).toEqual({
    delivered: COUNT,
    copies: COUNT,
    outOfOrder: 0,
  });
}

function expectNothingLost(result: Comeback): void {
  const got = new Set([...result.received, ...result.receivedNext]);
  expect([...result.acknowledged].filter((i) => !got.has(i))).toEqual([]);
}

const summary = (name: string, r: Comeback) =>
  `${name}: ${r.acknowledged.size} acknowledged; back mid-stream ${new Set(r.received).size} delivered (${r.received.length} copies), ` +
  `${outOfOrder(r.received)} out of order` +
  (r.receivedNext.length ? `; next connection ${new Set(r.receivedNext).size} delivered, ${outOfOrder(r.receivedNext)} out of order` : '');

describe('lose nothing: a persistent session that comes back while messages flow to it', () => {
  let node: BrokerProcess | undefined;
  let redis: RedisServer | undefined;

  afterAll(async () => {
    await stopAll([node]);
    await redis?.kill();
  });

  it('on the embedded default (LevelDB) gets its queue first, then the live messages, each once and in order; leaving mid-queue loses nothing', async () => {
    node = await BrokerProcess.start();
    const result = await comeBackMidStream(node.mqttUrl, 'level');
    const left = await comeBackMidStream(node.mqttUrl, 'level-leaves', 300);
    await node.stop();
    console.log(`comeback on LevelDB\n  ${summary('stays', result)}\n  ${summary('leaves after 300', left)}`);
    expectInOrderOnce(result);
    expectNothingLost(left);
  }, 60_000);

  (hasBinary('redis-server') ? it : it.skip)(
    'on Redis gets its queue first, then the live messages, each once and in order; leaving mid-queue loses nothing',
    async () => {
      redis = new RedisServer(await freePort());
      await redis.start();
      node = await BrokerProcess.start({ env: { REDIS_URL: redis.url, NODE_ID: 'comeback', HEARTBEAT_MS: '1000' } });
      const result = await comeBackMidStream(node.mqttUrl, 'redis');
      const left = await comeBackMidStream(node.mqttUrl, 'redis-leaves', 300);
      console.log(`comeback on Redis\n  ${summary('stays', result)}\n  ${summary('leaves after 300', left)}`);
      expectInOrderOnce(result);
      expectNothingLost(left);
    },
    60_000,
  );
});
