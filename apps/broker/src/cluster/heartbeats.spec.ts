import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Aedes } from 'aedes';
import type { Redis } from 'ioredis';
import type { SysHandler } from './aedes-sys.js';
import { ClusterMembershipService, type ClusterMembershipMode } from './cluster-membership.service.js';

const HB = 1000;

/** Aedes as the service sees it: $SYS subscriptions, publishes (not looped back), `brokers`, its heartbeat timer. */
function fakeBroker(id: string) {
  const handlers = new Map<string, SysHandler[]>();
  const published: string[] = [];
  const broker = {
    id,
    brokers: {} as Record<string, number>,
    _heartbeatInterval: setInterval(() => published.push('aedes heartbeat'), HB),
    subscribe: (topic: string, handler: SysHandler, done: () => void) => {
      handlers.set(topic, [...(handlers.get(topic) ?? []), handler]);
      done();
    },
    publish: (packet: { topic: string }, done: () => void) => {
      published.push(packet.topic);
      done();
    },
  };
  const deliver = (kind: string, from: string) =>
    handlers.get(`$SYS/+/${kind}`)?.forEach((h) => h({ topic: `$SYS/${from}/${kind}`, payload: Buffer.from(from) }, () => undefined));
  return { broker, aedes: broker as unknown as Aedes, published, deliver };
}

/** The registry's scripts as redis-scripts.ts runs them, on a clock of Redis's own. */
class FakeRegistry {
  readonly table = new Map<string, number>();
  /** Peers that write with every heartbeat of the node under test. */
  readonly live = new Set<string>();
  version = 'v0';
  leader = '';
  /** Another live process holding the node id under test: its token, or '' for none. */
  holder = '';
  hang = false;
  readonly calls: string[][] = [];
  private readonly offset = 987_654_321;

  now = (): number => Date.now() + this.offset;

  write(id: string, at = this.now()): void {
    if ((this.table.get(id) ?? -1) < 0) this.version = `v${at}${id}`;
    this.table.set(id, at);
  }

  readonly control = {
    evalsha: async (_sha: string, _keys: number, ...rest: string[]) => {
      const args = rest.slice(4);
      this.calls.push(args);
      if (this.hang) return new Promise(() => undefined);
      const [id] = args;
      if (args.length === 3) {
        this.table.set(id, -this.now());
        this.version = `left ${id}`;
        if (this.leader === id) this.leader = '';
        return 1;
      }
      for (const peer of this.live) this.write(peer);
      if (!this.holder) this.write(id);
      if (!this.leader && !this.holder) this.leader = id;
      const staleBefore = this.now() - Number(args[3]);
      const flat = (entries: [string, number][]) => entries.flatMap(([k, v]) => [k, String(v)]);
      const stale = flat([...this.table].filter(([, at]) => at >= 0 && at <= staleBefore));
      return [
        this.now(),
        this.leader === id ? 1 : 0,
        this.version,
        stale,
        args[4] === this.version ? null : flat([...this.table]),
        this.holder,
      ];
    },
  } as unknown as Redis;
}

function start(mode: ClusterMembershipMode, control: Redis) {
  const fake = fakeBroker('a');
  const service = new ClusterMembershipService({ redisUrl: 'redis://x', nodeId: 'a', heartbeatMs: HB, clusterMembership: mode });
  return { ...fake, service, joining: service.join(fake.aedes, control) };
}

const reachable = (service: ClusterMembershipService) =>
  Object.fromEntries(
    service
      .peers()
      .map((p) => [p.id, p.reachable] as const)
      .sort(([x], [y]) => x.localeCompare(y)),
  );

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

describe('CLUSTER_MEMBERSHIP=emitter', () => {
  it('waits while another live process holds its node id: its heartbeats are not its own, no announcement, no leadership', async () => {
    const holder = 'pid 1 on host other, instance 0123456789ab';
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const control = { eval: async () => holder } as unknown as Redis;
    const { service, published, deliver, joining } = start('emitter', control);
    let joined = false;
    void joining.then(() => (joined = true));
    await jest.advanceTimersByTimeAsync(3 * HB);
    deliver('heartbeat', 'a');
    deliver('birth', 'a');
    expect([service.state, service.isLeader, joined, published.includes('$SYS/a/birth')]).toEqual(['JOINING', false, false, false]);
    expect(service.conflict).toMatch(/^node id a is held by a live member \(pid 1 on host other/);
    await service.leave();
    expect(published).not.toContain('$SYS/a/leave');
  });

  it('joins once the node id is free', async () => {
    let holder: string | number = 'pid 1 on host other, instance 0123456789ab';
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const control = { eval: async () => holder } as unknown as Redis;
    const { service, published, deliver, joining } = start('emitter', control);
    await jest.advanceTimersByTimeAsync(HB);
    holder = 1;
    await jest.advanceTimersByTimeAsync(HB);
    await joining;
    expect([service.conflict, service.isLeader, published.includes('$SYS/a/birth')]).toEqual([undefined, true, true]);
    deliver('birth', 'a');
    expect(service.state).toBe('RUNNING');
  });

  it('hears heartbeats, is RUNNING once its birth comes back, drops a peer that says goodbye, and says goodbye itself', async () => {
    const evals: unknown[][] = [];
    const control = { eval: async (...args: unknown[]) => (evals.push(args), 1) } as unknown as Redis;
    const { service, published, deliver, joining } = start('emitter', control);
    await joining;
    expect(service.state).toBe('JOINING');
    deliver('birth', 'a');
    expect(service.state).toBe('RUNNING');
    deliver('heartbeat', 'b');
    deliver('heartbeat', 'c');
    await jest.advanceTimersByTimeAsync(HB);
    deliver('heartbeat', 'a');
    deliver('heartbeat', 'b');
    await jest.advanceTimersByTimeAsync(0.6 * HB);
    expect(reachable(service)).toEqual({ b: true, c: false });
    deliver('leave', 'c');
    expect(reachable(service)).toEqual({ b: true });
    expect(service.isLeader).toBe(true);
    await service.leave();
    expect(published).toContain('$SYS/a/leave');
    expect(evals.at(-1)).toEqual([
      expect.stringContaining("redis.call('del'"),
      2,
      'aedes-health:leader',
      'aedes-health:node:a',
      'a',
      expect.stringMatching(/^pid \d+ on host /),
    ]);
    expect(service.isLeader).toBe(false);
  });
});
