import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { faultMatrixEnv, recordFault } from '../support/fault-matrix.js';
import { closeAll, connect, connectCollecting } from '../support/mqtt-clients.js';
import { waitFor } from '../support/processes.js';
import { canMountTmpfs, Tmpfs } from '../support/tmpfs.js';

const describeWithTmpfs = canMountTmpfs() ? describe : describe.skip;
const MB = 1024 * 1024;

describeWithTmpfs('demo broker whose LevelDB failed a background write on a full disk', () => {
  let disk: Tmpfs;
  let broker: BrokerProcess | undefined;
  const clients: MqttClient[] = [];
  const storage = async () => (await broker!.health('storage')).body;

  beforeAll(async () => {
    disk = Tmpfs.mount(48 * MB);
    // Room the test gives back once the disk is full.
    disk.fill('ballast', 36 * MB);
    broker = await BrokerProcess.start({ env: { DATA_DIR: join(disk.path, 'data'), ...(await faultMatrixEnv()) } });
  }, 30_000);

  afterAll(async () => {
    await closeAll(clients);
    await stopAll([broker]);
    disk?.unmount();
  });

  it('comes back UP without a restart once space is freed, and the offline session still gets every message acknowledged before the disk filled', async () => {
    const away = await connect(broker!.mqttUrl, { clientId: 'refill-away', clean: false });
    await away.subscribeAsync('refill/t', { qos: 1 });
    await away.endAsync();

    // 8 KB QoS 1 messages queued for the offline session, 16 in flight, until the broker refuses them:
    // enough to fill LevelDB's 4 MB write buffer, whose flush to a table file then fails for want of space.
    const publisher = await connect(broker!.mqttUrl, { clientId: 'refill-publisher' });
    publisher.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => publisher.once('close', () => resolve()));
    const acknowledged = new Set<number>();
    // Random, so LevelDB cannot compress it away.
    const payload = randomBytes(6 * 1024).toString('base64');
    let refused = false;
    void closed.then(() => (refused = true));
    for (let next = 0; !refused && next < 4000; next += 16) {
      await Promise.race([
        Promise.allSettled(
          [...Array(16).keys()].map((k) =>
            publisher.publishAsync('refill/t', `${next + k}:${payload}`, { qos: 1 }).then(
              () => acknowledged.add(next + k),
              () => (refused = true),
            ),
          ),
        ),
        closed,
      ]);
    }
    await publisher.endAsync(true).catch(() => undefined);
    expect(refused).toBe(true);
    expect(acknowledged.size).toBeGreaterThan(100);
    const down = await waitFor(
      async () => {
        const s = await storage();
        return s.status === 'DOWN' && s;
      },
      4000,
      'storage DOWN once the disk is full',
      50,
    );
    expect(down.details.error).toMatch(/no space left on device/i);

    const pid = broker!.child.pid;
    disk.remove('ballast');
    const freedAt = Date.now();
    // One refresh (1 s) to see the room, the reopening, and room for a loaded machine.
    await waitFor(async () => (await storage()).status === 'UP', 10_000, 'storage UP once space is freed');
    const msToUp = Date.now() - freedAt;
    await waitFor(async () => (await broker!.health('readiness')).status === 200, 2000, 'readiness 200 after freeing space');
    expect(broker!.child.pid).toBe(pid);
    await recordFault('Disk freed after full (DATA_DIR)', 42, broker!, msToUp);

    // Nothing acknowledged is lost: the offline session gets every message, and new ones are stored again.
    const back = await connectCollecting(broker!.mqttUrl, { clientId: 'refill-away', clean: false });
    clients.push(back.client);
    const got = () => new Set(back.messages.map((m) => Number(m.payload.split(':')[0])));
    await waitFor(() => [...acknowledged].every((i) => got().has(i)), 15_000, 'the offline session to get its queue').catch(
      () => undefined,
    );
    const lost = [...acknowledged].filter((i) => !got().has(i)).length;
    const after = await connect(broker!.mqttUrl, { clientId: 'refill-after' });
    clients.push(after);
    await after.publishAsync('refill/t', 'after:the disk was freed', { qos: 1 });
    await waitFor(() => back.messages.some((m) => m.payload === 'after:the disk was freed'), 5000, 'a message stored after recovery');
    console.log(
      `disk freed after a failed background write: storage UP ${msToUp} ms later; ${acknowledged.size} acknowledged before the disk filled, ${lost} lost\n` +
        `  storage error while full: ${down.details.error}`,
    );
    expect(lost).toBe(0);
  }, 60_000);
});
