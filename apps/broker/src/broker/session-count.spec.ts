import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import type { Aedes } from 'aedes';
import { SessionCount } from './session-count.js';

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
  const connect = (id: string, clean: boolean, sessionPresent = false) => {
    broker.clients[id] = { id, clean };
    broker.emit('client', broker.clients[id]);
    broker.emit('connackSent', { sessionPresent }, broker.clients[id]);
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

describe('SessionCount', () => {
  it('counts the sessions its own store kept from before the start until their clients resume them', () => {
    const fake = fakeBroker();
    const sessions = new SessionCount();
    sessions.watch(fake.broker, 3);
    expect(sessions.count).toBe(3);
    // A returning client finds its session: connected now, no longer a restored one.
    fake.connect('r1', false, true);
    expect(sessions.count).toBe(3);
    // A new persistent client, a clean one, and r1 again after going offline: none resumes a restored session.
    fake.connect('new', false, false);
    fake.connect('clean', true, false);
    fake.disconnect('r1');
    fake.connect('r1', false, true);
    expect(sessions.count).toBe(2 + 3);
    fake.connect('r2', false, true);
    fake.connect('r3', false, true);
    expect(sessions.count).toBe(5);
    // Every restored session is back: a further session-present connect takes nothing off.
    fake.connect('r4', false, true);
    expect(sessions.count).toBe(6);
  });

  it('counts connected clients and the persistent sessions left offline here, not clean ones', () => {
    const fake = fakeBroker();
    const sessions = new SessionCount();
    expect(sessions.count).toBe(0);
    sessions.watch(fake.broker);
    fake.connect('a', true);
    fake.connect('p', false);
    expect(sessions.count).toBe(2);
    fake.disconnect('a');
    fake.disconnect('p');
    expect(sessions.count).toBe(1);
    fake.connect('p', false);
    expect(sessions.count).toBe(1);
  });

  it('drops an offline session once its client connects to another node', () => {
    const fake = fakeBroker();
    const sessions = new SessionCount();
    sessions.watch(fake.broker);
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
    sessions.watch(fake.broker);
    fake.connect('p', false);
    fake.announced('node-b', 'p');
    fake.disconnect('p');
    expect(sessions.count).toBe(0);
    fake.connect('p', false);
    fake.disconnect('p');
    expect(sessions.count).toBe(1);
  });
});
