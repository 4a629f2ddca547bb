import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mqtt from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { ChildHandle, freePort, hasBinary, RedisServer, waitFor } from '../support/processes.js';

const describeWithRedis = hasBinary('redis-server') ? describe : describe.skip;

interface OutageResult {
  sent: number;
  acknowledged: number;
  /** Acknowledged to the publisher, never delivered to the persistent subscriber. */
  lost: number;
}

/**
 * A QoS 1 publisher streams through a Redis outage (kill, then a restart on the same port) while a
 * persistent QoS 1 subscriber listens; counts acknowledged messages the subscriber never receives.
 */
async function streamThroughOutage(url: string, redis: RedisServer, tag: string): Promise<OutageResult> {
  const received = new Set<number>();
  const options = { protocolVersion: 4 as const, reconnectPeriod: 200, connectTimeout: 2000 };
  const subscriber = await mqtt.connectAsync(url, { ...options, clientId: `${tag}-sub`, clean: false });
  subscriber.on('message', (_topic, payload) => received.add(Number(payload.toString())));
  await subscriber.subscribeAsync(`${tag}/stream`, { qos: 1 });
  const publisher = await mqtt.connectAsync(url, { ...options, clientId: `${tag}-pub` });
  publisher.on('error', () => undefined);
  subscriber.on('error', () => undefined);

  const acknowledged = new Set<number>();
  let sent = 0;
  const stream = setInterval(() => {
    const i = sent++;
    publisher.publish(`${tag}/stream`, String(i), { qos: 1 }, (error) => {
      if (!error) acknowledged.add(i);
    });
  }, 4);
  try {
    await sleep(1000);
    await redis.kill();
    // Longer than the ~2 s after which queued Redis commands fail (REDIS_CONNECTION_OPTIONS).
    await sleep(3500);
    await redis.start();
    await sleep(2000);
  } finally {
    clearInterval(stream);
  }
  // Let the publisher's retries settle, then give deliveries time to land.
  await waitFor(() => acknowledged.size === sent, 8000, 'every message to be acknowledged').catch(() => undefined);
  await sleep(1500);
  // Anything still queued for the persistent session arrives on its next connection.
  subscriber.end(true);
  const again = mqtt.connect(url, { ...options, clientId: `${tag}-sub`, clean: false });
  again.on('message', (_topic, payload) => received.add(Number(payload.toString())));
  await new Promise((resolve) => again.once('connect', resolve));
  await sleep(1500);
  await Promise.all([again.endAsync(true), publisher.endAsync(true)]);
  const lost = [...acknowledged].filter((i) => !received.has(i)).length;
  return { sent, acknowledged: acknowledged.size, lost };
}

describeWithRedis('lose nothing: QoS 1 through a Redis outage', () => {
  let redis: RedisServer;
  let node: BrokerProcess | undefined;
  let bare: ChildHandle | undefined;

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
  });
  afterAll(async () => {
    await stopAll([node]);
    await bare?.kill();
    await redis?.kill();
  });

  it('the demo broker acknowledges nothing it loses, where bare Aedes in the same conditions loses acknowledged messages', async () => {
    node = await BrokerProcess.start({ env: { REDIS_URL: redis.url, NODE_ID: 'keeper', HEARTBEAT_MS: '1000' } });
    const withModule = await streamThroughOutage(node.mqttUrl, redis, 'module');
    await node.stop();

    const port = await freePort();
    bare = new ChildHandle(
      spawn(process.execPath, ['test/support/bare-aedes.js'], {
        env: { PATH: process.env.PATH, PORT: String(port), REDIS_URL: redis.url },
        stdio: 'pipe',
      }),
    );
    await waitFor(() => bare!.log.includes('ready') || !bare!.running, 10_000, 'bare Aedes to listen');
    const withoutModule = await streamThroughOutage(`mqtt://127.0.0.1:${port}`, redis, 'bare');

    console.log(
      `lose-nothing: with the module ${withModule.lost} lost of ${withModule.acknowledged} acknowledged (${withModule.sent} sent); ` +
        `bare Aedes ${withoutModule.lost} lost of ${withoutModule.acknowledged} acknowledged (${withoutModule.sent} sent)`,
    );
    expect(withModule.acknowledged).toBeGreaterThan(100);
    expect(withModule.lost).toBe(0);
    expect(withoutModule.lost).toBeGreaterThan(0);
  }, 90_000);
});
