import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import type { Aedes } from 'aedes';
import { SessionCount, STORE_RECOUNT_MS } from './session-count.js';

/** The parts of Aedes the count reads: its events, its clients, its emitter, as another node would publish to it. */
function fakeBroker() {
  const mqListeners: Array<(packet: { topic: string; payload: Buffer }, done: () => void) => void> = [];
  class FakeAedes extends EventEmitter {
    readonly id = 'node-a';
    readonly clients: Record<string, object> = {};
    readonly mq = { on: (_topic: string, listener: (typeof mqListeners)[number]) => mqListeners.push(listener) };
    get connectedClients(): number {
      return Object.keys(this.clients).length;
    }
  }
  const broker = new FakeAedes();
  /** A client with `topics` subscribed (Aedes keeps them in `client.subscriptions`). */
  const connect = (id: string, clean: boolean, topics: string[] = ['t']) => {
    broker.clients[id] = { id, clean, subscriptions: Object.fromEntries(topics.map((topic) => [topic, { qos: 1 }])) };
    broker.emit('client', broker.clients[id]);
    if (topics.length > 0) broker.emit('subscribe', topics, broker.clients[id]);
  };
  const disconnect = (id: string) => {
    const client = broker.clients[id];
    delete broker.clients[id];
    broker.emit('clientDisconnect', client);
  };
  const announced = (node: string, id: string) =>
    mqListeners.forEach((listener) => listener({ topic: `$SYS/${node}/new/clients`, payload: Buffer.from(id) }, () => {}));
  return { broker: broker as unknown as Aedes, connect, disconnect, announced };
}

/** Lets the store's answer arrive. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('SessionCount', () => {
  it("with the node's own store, counts what the store holds: connected clients plus persistent sessions not connected", async () => {
    const fake = fakeBroker();
    // Clients holding stored subscriptions, connected or not, as the store counts them.
    const stored = 3;
    const sessions = new SessionCount();
    void sessions.watch(fake.broker, { countOffline: () => Promise.resolve({ clientsCount: stored }) });
    await settled();
    // Three sessions kept across a restart, none connected.
    expect(sessions.count).toBe(3);
    // One resumes: connected, and still in the store; a clean client adds itself only.
    fake.connect('r1', false);
    fake.connect('clean', true);
    expect(sessions.count).toBe(2 + 2);
    // A persistent client without a subscription is not in the store: counted while connected only.
    fake.connect('bare', false, []);
    expect(sessions.count).toBe(3 + 2);
  });

  it('asks the store again at most every STORE_RECOUNT_MS, so a clean takeover or an expiry shows', async () => {
    const fake = fakeBroker();
    let asked = 0;
    let stored = 5;
    const sessions = new SessionCount();
    void sessions.watch(fake.broker, {
      countOffline: () => {
        asked++;
        return Promise.resolve({ clientsCount: stored });
      },
    });
    await settled();
    expect(sessions.count).toBe(5);
    stored = 4;
    expect(sessions.count).toBe(5);
    expect(asked).toBe(1);
    const now = Date.now();
    const clock = Date.now;
    Date.now = () => now + STORE_RECOUNT_MS;
    try {
      void sessions.count;
      await settled();
      expect(sessions.count).toBe(4);
      expect(asked).toBe(2);
    } finally {
      Date.now = clock;
    }
  });

  it('counts connected clients and the persistent sessions left offline here, not clean ones', () => {
    const fake = fakeBroker();
    const sessions = new SessionCount();
    expect(sessions.count).toBe(0);
    void sessions.watch(fake.broker);
    fake.connect('a', true);
    fake.connect('p', false);
    expect(sessions.count).toBe(2);
    fake.disconnect('a');
    fake.disconnect('p');
    expect(sessions.count).toBe(1);
    fake.connect('p', false);
    expect(sessions.count).toBe(1);
    // Persistent without a subscription: Aedes keeps nothing for it once it leaves.
    fake.connect('bare', false, []);
    fake.disconnect('bare');
    expect(sessions.count).toBe(1);
  });

  it('drops an offline session once its client connects to another node', () => {
    const fake = fakeBroker();
    const sessions = new SessionCount();
    void sessions.watch(fake.broker);
    fake.connect('p', false);
    fake.disconnect('p');
    fake.announced('node-a', 'p');
    expect(sessions.count).toBe(1);
    fake.announced('node-b', 'p');
    expect(sessions.count).toBe(0);
  });

  it('does not keep a session another node took over while its client was connected here', () => {
    const fake = fakeBroker();
    const sessions = new SessionCount();
    void sessions.watch(fake.broker);
    fake.connect('p', false);
    fake.announced('node-b', 'p');
    fake.disconnect('p');
    expect(sessions.count).toBe(0);
    fake.connect('p', false);
    fake.disconnect('p');
    expect(sessions.count).toBe(1);
  });
});
