import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Aedes } from 'aedes';
import { ClusterMembershipService } from './cluster-membership.service.js';
import { FakeRegistry, HB, peerStates, reachable, start } from './heartbeats.test-kit.js';

let logs: string[];
beforeEach(() => {
  jest.useFakeTimers({ now: 1_000_000 });
  logs = [];
  jest.spyOn(Logger.prototype, 'log').mockImplementation((m: unknown) => void logs.push(String(m)));
  jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
});
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('CLUSTER_MEMBERSHIP=registry (default)', () => {
  it('stops the Aedes heartbeat, and is JOINING until its birth and its own write both come back', async () => {
    const registry = new FakeRegistry();
    const { service, published, deliver, joining } = start('registry', registry.control);
    await joining;
    expect(service.mode).toBe('registry');
    await jest.advanceTimersByTimeAsync(HB);
    expect(registry.table.get('a')).toBeGreaterThan(0);
    expect(service.state).toBe('JOINING');
    expect(published).toContain('$SYS/a/birth');
    deliver('birth', 'a');
    expect(service.state).toBe('RUNNING');
    await service.joined;
    await jest.advanceTimersByTimeAsync(5 * HB);
    expect(published).not.toContain('aedes heartbeat');
    expect(registry.calls.length).toBe(13); // one at once, then two per heartbeat
    expect(service.isLeader).toBe(true);
    expect(logs).toEqual(['node a is the leader', 'node a joined the cluster']);
  });

  it('waits while another live process holds its node id: no announcement, no leadership, the reason logged once; joins once the id is free', async () => {
    const registry = new FakeRegistry();
    registry.holder = 'pid 1 on host other, instance 0123456789ab';
    registry.write('a');
    const warnings: string[] = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((m: unknown) => void warnings.push(String(m)));
    const { service, published, deliver, joining } = start('registry', registry.control);
    let joined = false;
    void joining.then(() => (joined = true));
    await jest.advanceTimersByTimeAsync(5 * HB);
    deliver('birth', 'a');
    expect([service.state, service.isLeader, joined]).toEqual(['JOINING', false, false]);
    expect(published).not.toContain('$SYS/a/birth');
    expect(service.conflict).toBe(
      'node id a is held by a live member (pid 1 on host other, instance 0123456789ab); waiting for its lease to expire (3000 ms after that member stops)',
    );
    expect(warnings).toEqual([service.conflict]);
    registry.holder = '';
    await jest.advanceTimersByTimeAsync(HB);
    expect([service.conflict, joined, service.isLeader]).toEqual([undefined, true, true]);
    expect(published).toContain('$SYS/a/birth');
    deliver('birth', 'a');
    expect(service.state).toBe('RUNNING');
  });

  it("times peers in Redis's clock: a silent one is unreachable after 1.5 heartbeats, a live one never; Aedes's will sweep hears both", async () => {
    const registry = new FakeRegistry();
    registry.live.add('b').add('c');
    const { service, broker, deliver, joining } = start('registry', registry.control);
    await joining;
    deliver('birth', 'a');
    await jest.advanceTimersByTimeAsync(3 * HB);
    expect(reachable(service)).toEqual({ b: true, c: true });
    expect(service.connected).toBe(true);
    registry.live.delete('c');
    const diedAt = Date.now();
    await jest.advanceTimersByTimeAsync(1.45 * HB);
    expect(reachable(service)).toEqual({ b: true, c: true });
    await jest.advanceTimersByTimeAsync(0.1 * HB);
    expect(reachable(service)).toEqual({ b: true, c: false });
    await jest.advanceTimersByTimeAsync(20 * HB);
    expect(reachable(service)).toEqual({ b: true, c: false });
    expect(broker.brokers.c).toBe(diedAt);
    expect(broker.brokers.b).toBeGreaterThan(Date.now() - HB);
    // Only the silent node comes back with every read; the whole set came once.
    expect(registry.calls.at(-1)![4]).toBe(registry.version);
  });

  it('drops a node that left at once, and keeps one merely missing (Redis restarted empty) until it ages out', async () => {
    const registry = new FakeRegistry();
    registry.live.add('b').add('c');
    const { service, deliver, joining } = start('registry', registry.control);
    await joining;
    deliver('birth', 'a');
    await jest.advanceTimersByTimeAsync(2 * HB);
    registry.live.delete('b');
    registry.table.set('b', -registry.now());
    registry.version = 'b left';
    await jest.advanceTimersByTimeAsync(HB / 2);
    expect(reachable(service)).toEqual({ c: true });
    expect(logs).toContain('node b left the cluster');
    registry.table.clear();
    registry.live.delete('c');
    registry.version = 'restarted';
    await jest.advanceTimersByTimeAsync(HB / 2);
    expect(reachable(service)).toEqual({ c: true });
    await jest.advanceTimersByTimeAsync(HB);
    expect(reachable(service)).toEqual({ c: false });
    expect(service.state).toBe('RUNNING');
  });

  it('is cut off 1.5 heartbeats after Redis stops answering, lets the lease lapse, and does not pile up beats', async () => {
    const registry = new FakeRegistry();
    const { service, deliver, joining } = start('registry', registry.control);
    await joining;
    deliver('birth', 'a');
    await jest.advanceTimersByTimeAsync(HB);
    registry.hang = true;
    const calls = registry.calls.length;
    await jest.advanceTimersByTimeAsync(1.4 * HB);
    expect(service.connected).toBe(true);
    await jest.advanceTimersByTimeAsync(0.2 * HB);
    expect(service.connected).toBe(false);
    await jest.advanceTimersByTimeAsync(5 * HB);
    expect(registry.calls.length).toBe(calls + 1);
    expect(service.isLeader).toBe(false);
  });

  it('publishes Aedes heartbeats and a leave message while a node of the emitter design is heard, and leaves the registry', async () => {
    const registry = new FakeRegistry();
    registry.live.add('b');
    const { service, published, deliver, joining } = start('registry', registry.control);
    await joining;
    deliver('birth', 'a');
    await jest.advanceTimersByTimeAsync(HB);
    deliver('heartbeat', 'b');
    expect(published).not.toContain('$SYS/a/heartbeat');
    deliver('heartbeat', 'old');
    expect(published.filter((t) => t === '$SYS/a/heartbeat')).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(HB);
    expect(published.filter((t) => t === '$SYS/a/heartbeat')).toHaveLength(3);
    await service.leave();
    expect(published).toContain('$SYS/a/leave');
    expect(registry.table.get('a')).toBeLessThan(0);
    expect(registry.leader).toBe('');
    expect(service.state).toBe('LEAVING');
    const calls = registry.calls.length;
    await jest.advanceTimersByTimeAsync(3 * HB);
    expect(registry.calls.length).toBe(calls);
  });

  it('says it is leaving at once when its drain begins, gives up the lease, and keeps writing until it leaves', async () => {
    const registry = new FakeRegistry();
    registry.live.add('b');
    const { service, deliver, joining } = start('registry', registry.control);
    await joining;
    deliver('birth', 'a');
    await jest.advanceTimersByTimeAsync(HB);
    expect(service.isLeader).toBe(true);
    const calls = registry.calls.length;
    await service.announceLeaving();
    expect(registry.calls.length).toBe(calls + 1);
    expect(registry.calls.at(-1)![6]).toBe('1');
    expect([service.state, service.isLeader, registry.leader, [...registry.leaving]]).toEqual(['LEAVING', false, '', ['a']]);
    expect(logs).toContain('node a is leaving the cluster');
    // The drain: the claim and its place kept, one write per half heartbeat, peers still read.
    await jest.advanceTimersByTimeAsync(5 * HB);
    expect(registry.calls.length).toBe(calls + 11);
    expect(registry.calls.slice(calls).every((args) => args[6] === '1')).toBe(true);
    expect([service.isLeader, reachable(service)]).toEqual([false, { b: true }]);
    await service.announceLeaving();
    expect(registry.calls.length).toBe(calls + 11);
    await service.leave();
    expect([registry.table.get('a')! < 0, [...registry.leaving]]).toEqual([true, []]);
    const after = registry.calls.length;
    await jest.advanceTimersByTimeAsync(3 * HB);
    expect(registry.calls.length).toBe(after);
  });

  it('sees a peer leaving until it is gone; one that dies mid-leave turns unreachable within 1.5 heartbeats', async () => {
    const registry = new FakeRegistry();
    registry.live.add('b').add('c');
    const { service, deliver, joining } = start('registry', registry.control);
    await joining;
    deliver('birth', 'a');
    await jest.advanceTimersByTimeAsync(HB);
    registry.leaving.add('b').add('c');
    registry.version = 'b and c leaving';
    await jest.advanceTimersByTimeAsync(HB / 2);
    expect(peerStates(service)).toEqual({ b: 'leaving', c: 'leaving' });
    expect(logs).toEqual(expect.arrayContaining(['node b is leaving the cluster', 'node c is leaving the cluster']));
    // b leaves cleanly: dropped at once. c dies mid-leave: leaving while it still answers, then unreachable.
    registry.live.delete('b');
    registry.table.set('b', -registry.now());
    registry.leaving.delete('b');
    registry.version = 'b left';
    registry.live.delete('c');
    await jest.advanceTimersByTimeAsync(HB / 2);
    expect(peerStates(service)).toEqual({ c: 'leaving' });
    await jest.advanceTimersByTimeAsync(1.1 * HB);
    expect(peerStates(service)).toEqual({ c: 'unreachable' });
    // c starts again, not leaving: a member like any other.
    registry.live.add('c');
    registry.leaving.delete('c');
    registry.version = 'c back';
    await jest.advanceTimersByTimeAsync(HB / 2);
    expect(peerStates(service)).toEqual({ c: 'reachable' });
  });
});

describe('the Aedes in package.json', () => {
  it('has the heartbeat timer the registry stops: no heartbeat is published once the node joined', async () => {
    jest.useRealTimers();
    const broker = await Aedes.createBroker({ id: 'a', heartbeatInterval: 20 });
    let heartbeats = 0;
    await new Promise<void>((resolve) => broker.subscribe('$SYS/+/heartbeat', (_p, done) => (heartbeats++, done()), resolve));
    await new Promise((resolve) => setTimeout(resolve, 70));
    expect(heartbeats).toBeGreaterThan(0);
    const service = new ClusterMembershipService({ redisUrl: 'redis://x', nodeId: 'a', heartbeatMs: 20 });
    await service.join(broker, new FakeRegistry().control);
    await service.joined;
    heartbeats = 0;
    await new Promise((resolve) => setTimeout(resolve, 100));
    await service.leave();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    expect(heartbeats).toBe(0);
    expect(broker.brokers.a).toBeGreaterThan(Date.now() - 100);
  });
});
