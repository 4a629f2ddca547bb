import { afterAll, describe, expect, it } from '@jest/globals';
import mqtt, { type MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { closeAll, connect } from '../support/mqtt-clients.js';
import { freePort, hasBinary, RedisServer, waitFor } from '../support/processes.js';

const RECONNECTS = 30;

/**
 * A persistent session subscribed to a topic that publishers flood with QoS 0 messages reconnects RECONNECTS
 * times; returns the first packet of each connection as the client saw it, and how many connections got no
 * CONNACK within 5 s.
 */
async function reconnectUnderFlood(url: string, tag: string): Promise<{ firstPackets: string[]; noConnack: number }> {
  const topic = `${tag}/t`;
  const clients: MqttClient[] = [];
  let stopFlood = () => undefined as void;
  try {
    const session = await connect(url, { clientId: `${tag}-session`, clean: false });
    await session.subscribeAsync(topic, { qos: 1 });
    await session.endAsync();
    const publishers = await Promise.all([0, 1, 2, 3].map((p) => connect(url, { clientId: `${tag}-publisher-${p}` })));
    clients.push(...publishers);
    // About 10,000 messages a second: live traffic the broker keeps up with, arriving throughout each connect.
    const flood = setInterval(() => {
      for (const publisher of publishers) for (let i = 0; i < 10; i++) publisher.publish(topic, 'live', { qos: 0 });
    }, 4);
    stopFlood = () => clearInterval(flood);
    const firstPackets: string[] = [];
    let noConnack = 0;
    for (let attempt = 0; attempt < RECONNECTS; attempt++) {
      const back = mqtt.connect(url, {
        protocolVersion: 4,
        reconnectPeriod: 0,
        connectTimeout: 10_000,
        clientId: `${tag}-session`,
        clean: false,
      });
      back.on('error', () => undefined);
      const first = new Promise<string>((resolve) => back.once('packetreceive', (packet) => resolve(packet.cmd)));
      const connected = await waitFor(() => back.connected, 5000, 'CONNACK').then(
        () => true,
        () => false,
      );
      firstPackets.push(await Promise.race([first, new Promise<string>((resolve) => setTimeout(() => resolve('nothing'), 100))]));
      back.end(true);
      // One such connection is enough to fail; the next ones would each wait out the deadline.
      if (!connected && ++noConnack) break;
    }
    return { firstPackets, noConnack };
  } finally {
    stopFlood();
    await closeAll(clients);
  }
}

describe('a persistent session reconnecting while messages flow to it gets CONNACK first', () => {
  const nodes: BrokerProcess[] = [];
  let redis: RedisServer | undefined;

  afterAll(async () => {
    await stopAll(nodes);
    await redis?.kill();
  });

  const check = (store: string, { firstPackets, noConnack }: { firstPackets: string[]; noConnack: number }) => {
    const notConnack = firstPackets.filter((cmd) => cmd !== 'connack');
    console.log(
      `${store}: ${firstPackets.length} reconnects under a QoS 0 flood, ${notConnack.length} began with another packet (${notConnack.slice(0, 3).join(', ')}), ${noConnack} never got CONNACK`,
    );
    expect(notConnack).toEqual([]);
    expect(noConnack).toBe(0);
  };

  it('on the embedded default (LevelDB)', async () => {
    const node = await BrokerProcess.start();
    nodes.push(node);
    check('LevelDB', await reconnectUnderFlood(node.mqttUrl, 'connack-level'));
  }, 60_000);

  (hasBinary('redis-server') ? it : it.skip)(
    'on Redis',
    async () => {
      redis = new RedisServer(await freePort());
      await redis.start();
      const node = await BrokerProcess.start({ env: { REDIS_URL: redis.url, NODE_ID: 'connack-first', HEARTBEAT_MS: '1000' } });
      nodes.push(node);
      check('Redis', await reconnectUnderFlood(node.mqttUrl, 'connack-redis'));
    },
    60_000,
  );
});
