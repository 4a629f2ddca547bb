import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { faultMatrixEnv, recordFault } from '../support/fault-matrix.js';
import { closeAll, closedAfter, connect, nextMessage } from '../support/mqtt-clients.js';
import { waitFor } from '../support/processes.js';
import { canMountTmpfs, Tmpfs } from '../support/tmpfs.js';

const describeWithTmpfs = canMountTmpfs() ? describe : describe.skip;
const MB = 1024 * 1024;

/** Publishes retained 4 KB QoS 1 messages on distinct topics until the broker refuses one; resolves when (ms) it did. */
async function publishUntilRefused(url: string, max = 4000): Promise<{ published: number; refusedAt: number }> {
  const publisher = await connect(url, { clientId: 'disk-filler' });
  publisher.on('error', () => undefined);
  const closed = new Promise<boolean>((resolve) => publisher.once('close', () => resolve(true)));
  let published = 0;
  try {
    while (published < max) {
      const refused = await Promise.race([
        publisher.publishAsync(`disk/fill/${published}`, randomBytes(4096), { qos: 1, retain: true }).then(
          () => false,
          () => true,
        ),
        closed,
      ]);
      if (refused) return { published, refusedAt: Date.now() };
      published++;
    }
    throw new Error(`the broker accepted ${max} retained 4 KB messages on a 2 MB disk`);
  } finally {
    await publisher.endAsync(true).catch(() => undefined);
  }
}

describeWithTmpfs('demo broker with a full disk under DATA_DIR', () => {
  let disk: Tmpfs;
  let broker: BrokerProcess | undefined;
  const clients: MqttClient[] = [];
  const get = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${broker!.healthPort}${path}`, { signal: AbortSignal.timeout(2000) });
    return { status: response.status, body: await response.json() };
  };
  const storage = async () => (await broker!.health('storage')).body;

  beforeAll(async () => {
    disk = Tmpfs.mount(2 * MB);
    // Room the test gives back once the disk is full.
    disk.fill('ballast', 0.75 * MB);
    broker = await BrokerProcess.start({ env: { DATA_DIR: join(disk.path, 'data'), ...(await faultMatrixEnv()) } });
  }, 30_000);

  afterAll(async () => {
    await closeAll(clients);
    await stopAll([broker]);
    disk?.unmount();
  });

  it('turns storage DOWN and readiness 503 when a write fails for want of space, and refuses QoS 1 meanwhile', async () => {
    const subscriber = await connect(broker!.mqttUrl, { clientId: 'disk-sub', clean: false });
    subscriber.on('error', () => undefined);
    clients.push(subscriber);
    await subscriber.subscribeAsync('disk/live', { qos: 1 });

    const { published, refusedAt } = await publishUntilRefused(broker!.mqttUrl);
    expect(published).toBeGreaterThan(10);
    const down = await waitFor(
      async () => {
        const s = await storage();
        return s.status === 'DOWN' && s;
      },
      3000,
      'storage to go DOWN once the disk is full',
      50,
    ).catch(async (error: Error) => {
      const [readiness, readyz, ready] = await Promise.all([broker!.health('readiness'), get('/readyz'), get('/ready')]);
      throw new Error(
        `${error.message}\n(after ${published} messages, ${disk.freeBytes} bytes free) readiness ${readiness.status}, /readyz ${readyz.status}, /ready ${ready.status}`,
      );
    });
    expect(down.details).toEqual({
      type: 'level',
      'network-dependency': false,
      reason: 'storage unavailable',
      error: expect.stringMatching(/no space left on device/i),
    });
    await waitFor(async () => (await broker!.health('readiness')).status === 503, 2000, 'readiness 503', 20);
    const msFromFullToDown = Date.now() - refusedAt;
    expect((await broker!.health('readiness')).body.status).toBe('OUT_OF_SERVICE');
    expect((await get('/readyz')).status).toBe(503);
    expect((await get('/ready')).status).toBe(503);
    await recordFault('Disk full (DATA_DIR)', 40, broker!, msFromFullToDown);
    console.log(`full disk: ${published} retained 4 KB messages stored, readiness 503 ${msFromFullToDown} ms after the first refusal`);

    // Refused like during a Redis outage: the publisher is disconnected, never acknowledged.
    const qos1 = await connect(broker!.mqttUrl, { clientId: 'disk-qos1' });
    qos1.on('error', () => undefined);
    clients.push(qos1);
    let acknowledged = false;
    expect(await closedAfter(qos1, () => qos1.publish('disk/live', 'x', { qos: 1 }, (error) => (acknowledged = !error)), 1000)).toBe(true);
    expect(acknowledged).toBe(false);
  }, 30_000);

  it('shows the full volume in resources/disk, without the host path', async () => {
    const disk = await waitFor(
      async () => {
        const d = (await broker!.health('resources/disk')).body;
        return d.status !== 'UP' && d;
      },
      12_000,
      'resources/disk to leave UP',
      200,
    );
    expect(['DOWN', 'DEGRADED']).toContain(disk.status);
    expect(disk.details['used-ratio']).toBeGreaterThan(0.9);
    // Storage keeps LevelDB's raw error, file name included; resources shows usage only.
    expect(JSON.stringify((await broker!.health('resources')).body)).not.toContain(broker!.env.DATA_DIR);
  }, 15_000);

  it('says so once at warn level, and recovers by itself once space is freed, without a restart', async () => {
    const warnings = broker!.log.split('\n').filter((line) => /\b(WARN|ERROR)\b/.test(line) && /no space left/i.test(line));
    // The broker says it once; the storage transition line carries it (ENOSPC) as its cause.
    expect(warnings.filter((line) => line.includes('[Broker]'))).toHaveLength(1);
    expect(warnings.filter((line) => /\[Health\].*storage: UP -> DOWN \(storage unavailable: .*no space left/i.test(line))).toHaveLength(1);
    const pid = broker!.child.pid;

    disk.remove('ballast');
    await waitFor(async () => (await storage()).status === 'UP', 5000, 'storage UP after freeing space');
    await waitFor(async () => (await broker!.health('readiness')).status === 200, 2000, 'readiness 200 after freeing space');
    expect((await get('/readyz')).status).toBe(200);
    expect(broker!.child.pid).toBe(pid);
    expect(broker!.running).toBe(true);

    // QoS 1 is stored again, and the persistent subscriber gets what was published for it.
    const subscriber = await connect(broker!.mqttUrl, { clientId: 'disk-sub', clean: false });
    clients.push(subscriber);
    const got = nextMessage(subscriber, 'disk/live');
    const publisher = await connect(broker!.mqttUrl, { clientId: 'disk-after' });
    clients.push(publisher);
    await publisher.publishAsync('disk/live', 'after the disk was freed', { qos: 1 });
    expect((await got).payload).toBe('after the disk was freed');
  }, 20_000);
});

describeWithTmpfs('demo broker when another process fills the disk under DATA_DIR', () => {
  let disk: Tmpfs;
  let broker: BrokerProcess | undefined;
  const clients: MqttClient[] = [];
  const storage = async () => (await broker!.health('storage')).body;

  beforeAll(async () => {
    disk = Tmpfs.mount(4 * MB);
    broker = await BrokerProcess.start({ env: { DATA_DIR: join(disk.path, 'data'), ...(await faultMatrixEnv()) } });
  }, 30_000);

  afterAll(async () => {
    await closeAll(clients);
    await stopAll([broker]);
    disk?.unmount();
  });

  it('turns storage DOWN within a refresh although the store still fits its small writes in blocks it holds, and acknowledges no QoS 1 meanwhile', async () => {
    const publisher = await connect(broker!.mqttUrl, { clientId: 'full-disk-publisher' });
    clients.push(publisher);
    for (let i = 0; i < 20; i++) await publisher.publishAsync('disk/other', `before ${i}`, { qos: 1, retain: true });

    // Everything that is left, taken by a writer that is not the broker; the store's log keeps room in its last block.
    disk.fill('someone-else', disk.freeBytes);
    const filledAt = Date.now();
    expect(disk.freeBytes).toBe(0);

    const down = await waitFor(
      async () => {
        const s = await storage();
        return s.status === 'DOWN' && s;
      },
      // One refresh (1 s) and the storage check's own timeout, with room for a loaded machine.
      4000,
      'storage to go DOWN once another process filled the disk',
      50,
    );
    const msFromFullToDown = Date.now() - filledAt;
    expect(down.details).toEqual(
      expect.objectContaining({ reason: 'storage unavailable', error: expect.stringMatching(/no space left on device/i) }),
    );
    await waitFor(async () => (await broker!.health('readiness')).status === 503, 2000, 'readiness 503', 20);
    await recordFault('Disk filled by another process (DATA_DIR)', 41, broker!, msFromFullToDown);
    console.log(`disk filled by another process: storage DOWN after ${msFromFullToDown} ms`);

    let acknowledged = false;
    expect(
      await closedAfter(
        publisher,
        () => publisher.publish('disk/other', 'while full', { qos: 1 }, (error) => (acknowledged = !error)),
        1000,
      ),
    ).toBe(true);
    expect(acknowledged).toBe(false);

    disk.remove('someone-else');
    await waitFor(async () => (await storage()).status === 'UP', 5000, 'storage UP after the other writer let go');
  }, 30_000);
});
