import { afterAll, describe, expect, it } from '@jest/globals';
import mqtt, { type MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { closeAll, connect } from '../support/mqtt-clients.js';
import { waitFor } from '../support/processes.js';

const COUNT = 3000;
const IN_FLIGHT = 16;

/** Counts the numbered messages a subscriber receives and those that arrive after a newer one. */
function collect(client: MqttClient) {
  const received = new Set<number>();
  let newest = -1;
  let outOfOrder = 0;
  client.on('message', (_topic, payload) => {
    const i = Number(payload.toString());
    if (i < newest) outOfOrder++;
    newest = Math.max(newest, i);
    received.add(i);
  });
  return { received, reception: () => ({ delivered: received.size, outOfOrder }) };
}

/** Counts the places where `ids` is not in the order `sent` gives them. */
function inversions(sent: number[], ids: number[]): number {
  const position = new Map(sent.map((id, at) => [id, at]));
  let count = 0;
  for (let k = 1; k < ids.length; k++) if (position.get(ids[k])! < position.get(ids[k - 1])!) count++;
  return count;
}

describe('lose nothing: QoS 2 on the embedded default (LevelDB), several in flight', () => {
  let node: BrokerProcess | undefined;
  const clients: MqttClient[] = [];

  afterAll(async () => {
    await closeAll(clients);
    await stopAll([node]);
  });

  it('acknowledges (PUBREC) and delivers QoS 2 messages in the order they arrived, to online and offline subscribers', async () => {
    node = await BrokerProcess.start();
    const url = node.mqttUrl;
    const topic = 'q2/t';

    const away = await connect(url, { clientId: 'q2-offline', clean: false });
    await away.subscribeAsync(topic, { qos: 2 });
    await away.endAsync();
    const online = await connect(url, { clientId: 'q2-online' });
    const onlinePersistent = await connect(url, { clientId: 'q2-online-persistent', clean: false });
    clients.push(online, onlinePersistent);
    const onlineReceived = collect(online);
    const persistentReceived = collect(onlinePersistent);
    await Promise.all([online.subscribeAsync(topic, { qos: 2 }), onlinePersistent.subscribeAsync(topic, { qos: 2 })]);

    const publisher = await connect(url, { clientId: 'q2-publisher' });
    clients.push(publisher);
    // Message ids (1..COUNT, never reused here) in the order the publisher sent them and the broker acknowledged them.
    const sent: number[] = [];
    const pubrecs: number[] = [];
    publisher.on('packetsend', (packet) => packet.cmd === 'publish' && sent.push(packet.messageId!));
    publisher.on('packetreceive', (packet) => packet.cmd === 'pubrec' && pubrecs.push(packet.messageId!));
    let completed = 0;
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let pending = 0;
      const send = () => {
        while (pending < IN_FLIGHT && next < COUNT) {
          pending++;
          publisher.publish(topic, String(next++), { qos: 2 }, (error) => {
            if (error) return reject(error);
            pending--;
            if (++completed === COUNT) resolve();
            else send();
          });
        }
      };
      send();
    });
    const all = () => [onlineReceived, persistentReceived].every((r) => r.received.size === COUNT);
    await waitFor(all, 10_000, 'the online subscribers to get every message').catch(() => undefined);

    const back = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, clientId: 'q2-offline', clean: false });
    clients.push(back);
    const offlineReceived = collect(back);
    await waitFor(() => offlineReceived.received.size === COUNT, 20_000, 'the offline session to get its queue').catch(() => undefined);

    const pubrecOutOfOrder = inversions(sent, pubrecs);
    console.log(
      `QoS 2 on LevelDB: ${completed} completed, PUBREC out of order ${pubrecOutOfOrder}; ` +
        `online ${JSON.stringify(onlineReceived.reception())}, online persistent ${JSON.stringify(persistentReceived.reception())}, ` +
        `offline on return ${JSON.stringify(offlineReceived.reception())}`,
    );
    expect(completed).toBe(COUNT);
    expect(pubrecs).toHaveLength(COUNT);
    expect(pubrecOutOfOrder).toBe(0);
    for (const reception of [onlineReceived, persistentReceived, offlineReceived]) {
      expect(reception.reception()).toEqual({ delivered: COUNT, outOfOrder: 0 });
    }
  }, 60_000);
});
