import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Aedes } from 'aedes';
import aedesPersistenceLevel from 'aedes-persistence-level';
import type { AedesPersistence } from 'aedes-persistence-types';
import { ClassicLevel } from 'classic-level';
import mqtt from 'mqtt';
import { releaseInArrivalOrder } from './arrival-order.js';
import { deliverEveryMessage } from './deliver-every-message.js';

const directories: string[] = [];
function levelDatabase(): ClassicLevel {
  const directory = mkdtempSync(join(tmpdir(), 'arrival-order-'));
  directories.push(directory);
  return new ClassicLevel(directory);
}

/** The embedded default: aedes-persistence-level on classic-level, released in arrival order. */
function orderedLevelPersistence(): AedesPersistence {
  const persistence = aedesPersistenceLevel(levelDatabase());
  releaseInArrivalOrder(persistence);
  return persistence;
}

afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

describe('releaseInArrivalOrder', () => {
  const packet = (brokerCounter: number, retain = false) => ({
    cmd: 'publish',
    topic: 't',
    payload: Buffer.alloc(brokerCounter % 7 === 0 ? 64 * 1024 : 16, brokerCounter),
    qos: 1,
    retain,
    brokerId: 'broker-1',
    brokerCounter,
  });
  const subscriber = { clientId: 'offline', topic: 't', qos: 1 };
  type Store = Record<string, (...args: unknown[]) => Promise<unknown>>;

  /** Enqueues `count` messages at once, as Aedes does for a batch of publishes, and lists the order they come back in. */
  async function enqueueOrder(persistence: AedesPersistence, count: number, retainedEvery = 0): Promise<number[]> {
    const store = persistence as unknown as Store;
    await persistence.setup({ id: 'broker-1' });
    const finished: number[] = [];
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const message = packet(i + 1, retainedEvery > 0 && i % retainedEvery === 0);
        if (message.retain) await store.storeRetained(message);
        await store.outgoingEnqueueCombi([subscriber], message);
        finished.push(message.brokerCounter);
      }),
    );
    await persistence.destroy();
    return finished;
  }

  const inOrder = (count: number) => Array.from({ length: count }, (_, i) => i + 1);

  it('LevelDB on its own finishes concurrent enqueues out of arrival order (the cause of the lost messages)', async () => {
    let disordered = false;
    for (let attempt = 0; attempt < 5 && !disordered; attempt++) {
      const order = await enqueueOrder(aedesPersistenceLevel(levelDatabase()), 2000);
      disordered = order.some((counter, i) => counter !== i + 1);
    }
    expect(disordered).toBe(true);
  });

  it('finishes every enqueue in arrival order, retained messages (one write earlier) included', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(await enqueueOrder(orderedLevelPersistence(), 2000)).toEqual(inOrder(2000));
      expect(await enqueueOrder(orderedLevelPersistence(), 600, 5)).toEqual(inOrder(600));
    }
  });

  it('passes a failed enqueue on, in its turn, and does not hold the next ones back', async () => {
    const persistence = orderedLevelPersistence();
    const store = (persistence as unknown as { asyncPersistence: Store }).asyncPersistence;
    await persistence.setup({ id: 'broker-1' });
    const results: string[] = [];
    // A subscription without a client id makes the store's enqueue throw.
    const first = store.outgoingEnqueueCombi([null], packet(1)).then(
      () => results.push('1 ok'),
      () => results.push('1 failed'),
    );
    const second = store.outgoingEnqueueCombi([subscriber], packet(2)).then(() => results.push('2 ok'));
    await Promise.all([first, second]);
    expect(results).toEqual(['1 failed', '2 ok']);
    await persistence.destroy();
  });

  it('delivers to one persistent session in the order the deliveries were recorded', async () => {
    const persistence = orderedLevelPersistence();
    const store = persistence as unknown as Store;
    await persistence.setup({ id: 'broker-1' });
    const count = 500;
    for (let i = 1; i <= count; i++) await store.outgoingEnqueueCombi([subscriber], packet(i));
    const recorded: number[] = [];
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        await store.outgoingUpdate({ id: 'offline' }, { ...packet(i + 1), messageId: i + 1 });
        recorded.push(i + 1);
      }),
    );
    expect(recorded).toEqual(inOrder(count));
    await persistence.destroy();
  });
});

describe('deliverEveryMessage', () => {
  /** Routes numbered messages straight through Aedes' emitter to one client subscribed twice to them (`a/#` and `a/b`). */
  async function routed(counters: number[], fixed: boolean): Promise<string[]> {
    const broker = await Aedes.createBroker(
      fixed
        ? {
            preConnect: (client, _packet, callback) => {
              deliverEveryMessage(client);
              callback(null, true);
            },
          }
        : {},
    );
    const server = createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, { protocolVersion: 4 });
    const received: string[] = [];
    client.on('message', (_topic, payload) => received.push(payload.toString()));
    await client.subscribeAsync(['a/#', 'a/b'], { qos: 0 });
    const emitter = (broker as unknown as { mq: { emit(packet: object, done: () => void): void } }).mq;
    for (const brokerCounter of counters) {
      const packet = { cmd: 'publish', topic: 'a/b', payload: Buffer.from(String(brokerCounter)), qos: 0, retain: false };
      await new Promise<void>((resolve) => emitter.emit({ ...packet, brokerId: broker.id, brokerCounter }, () => resolve()));
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    await client.endAsync();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    server.close();
    return received;
  }

  it('Aedes alone drops a message routed after a later one (the loss), and sends one copy of each', async () => {
    expect(await routed([1, 3, 2], false)).toEqual(['1', '3']);
  });

  it('delivers every message, out of order too, and still one copy of each', async () => {
    expect(await routed([1, 3, 2], true)).toEqual(['1', '3', '2']);
  });
});
