import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { GroupInput } from '../model/health-group.interface.js';
import type { HealthCheck } from '../model/health-indicator.interface.js';
import { createHealthConfig } from '../options/health-config.js';
import type { HealthModuleOptions } from '../options/health-options.interface.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import { HealthEngine } from './health-engine.js';
import type { HealthSnapshot, HealthTransition } from '../model/health-snapshot.interface.js';
import type { RegisteredIndicator } from '../model/registered-indicator.interface.js';

type Check = HealthCheck['check'];

const NOT_CHECKED = { status: 'UNKNOWN', details: { reason: 'not checked yet' } };

function indicator(name: string, check: Check, options: Partial<RegisteredIndicator> = {}): RegisteredIndicator {
  return { name, className: `${name}HealthIndicator`, instance: { check }, groups: [], timeoutMs: 50, intervalMs: 0, ...options };
}

/** An engine with the indicators registered, as the explorer leaves it; no background timer runs. */
function engineWith(indicators: RegisteredIndicator[], options: HealthModuleOptions = {}): HealthEngine {
  const config = createHealthConfig({ timeoutMs: 50, logTransitions: false, ...options });
  const engine = new HealthEngine(config);
  const groups: GroupInput[] = config.groups.map((definition) => ({ definition, members: definition.members }));
  engine.register(indicators, groups);
  return engine;
}

const hang = () => new Promise<never>(() => {});
const delay = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
/** Lets every already-settled promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function asSnapshot(value: HealthSnapshot | Promise<HealthSnapshot>): HealthSnapshot {
  if (value instanceof Promise) throw new Error('expected a snapshot, got a promise');
  return value;
}

beforeAll(() => {
  Logger.overrideLogger(false);
});

describe('HealthEngine', () => {
  describe('failing indicators', () => {
    it('reports a synchronous throw as DOWN with the error message as reason', async () => {
      const engine = engineWith([
        indicator('redis', () => {
          throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
        }),
      ]);
      const snapshot = await engine.refresh();
      expect(snapshot.components.redis).toEqual({ status: 'DOWN', details: { reason: 'connect ECONNREFUSED 127.0.0.1:6379' } });
      expect(snapshot.checks.redis).toMatchObject({ failed: true, failures: 1 });
    });

    it('reports a rejected promise as DOWN with the error message as reason', async () => {
      const engine = engineWith([indicator('redis', () => Promise.reject(new Error('NOAUTH Authentication required')))]);
      const snapshot = await engine.refresh();
      expect(snapshot.components.redis).toEqual({ status: 'DOWN', details: { reason: 'NOAUTH Authentication required' } });
    });

    it('reports a thrown non-error by what it is', async () => {
      const engine = engineWith([
        indicator('a', () => {
          throw 'plain string';
        }),
        indicator('b', () => Promise.reject(42)),
      ]);
      const snapshot = await engine.refresh();
      expect(snapshot.components.a.details).toEqual({ reason: 'plain string' });
      expect(snapshot.components.b.details).toEqual({ reason: 'non-error thrown: 42' });
    });

    it('reports an invalid result as DOWN with what is wrong with it', async () => {
      const engine = engineWith([indicator('cluster', () => ({ status: 'OK' }) as unknown as HealthComponent)]);
      const snapshot = await engine.refresh();
      expect(snapshot.components.cluster.status).toBe('DOWN');
      expect(snapshot.components.cluster.details!.reason).toBe(
        'invalid check() result: (root).status "OK" is not one of UP, UNKNOWN, DEGRADED, DEGRADED_SERVICE, DOWN, OUT_OF_SERVICE',
      );
      expect(snapshot.checks.cluster.failed).toBe(true);
    });

    it('counts failures across checks and clears the failed flag on success', async () => {
      let fail = true;
      const engine = engineWith([
        indicator('flaky', () => {
          if (fail) throw new Error('nope');
          return { status: 'UP' };
        }),
      ]);
      await engine.refresh();
      await engine.refresh();
      fail = false;
      const snapshot = await engine.refresh();
      expect(snapshot.components.flaky).toEqual({ status: 'UP' });
      expect(snapshot.checks.flaky).toMatchObject({ failed: false, failures: 2 });
    });
  });

  describe('hung indicators', () => {
    it('publishes a fast result without waiting for a hung one, which turns DOWN at its timeout', async () => {
      const engine = engineWith([indicator('fast', () => ({ status: 'UP' })), indicator('hung', hang)]);
      const refreshed = engine.refresh();
      await settle();
      const during = engine.current();
      expect(during.components.fast).toEqual({ status: 'UP' });
      expect(during.components.hung).toEqual(NOT_CHECKED);

      const after = await refreshed;
      expect(after.components.hung).toEqual({ status: 'DOWN', details: { reason: 'timed out after 50 ms' } });
      expect(after.components.fast).toEqual({ status: 'UP' });
      expect(after.checks.hung.failed).toBe(true);
      expect(engine.current()).toBe(after);
    });

    it('uses the timeout of each indicator', async () => {
      const engine = engineWith([indicator('quick-timeout', hang, { timeoutMs: 20 })]);
      expect((await engine.refresh()).components['quick-timeout'].details).toEqual({ reason: 'timed out after 20 ms' });
    });

    it('does not call a hung indicator again while its call is pending, and ignores its late result', async () => {
      const release: Array<(component: HealthComponent) => void> = [];
      const check = jest.fn<Check>(() => new Promise<HealthComponent>((resolve) => release.push(resolve)));
      const engine = engineWith([indicator('hung', check)]);

      expect((await engine.refresh()).components.hung.details).toEqual({ reason: 'timed out after 50 ms' });
      const second = await engine.refresh();
      expect(check).toHaveBeenCalledTimes(1);
      expect(second.components.hung.status).toBe('DOWN');
      expect(second.components.hung.details!.reason).toMatch(/^timed out after 50 ms \(still running after \d+ ms\)$/);
      expect(second.checks.hung.failures).toBe(2);

      release[0]({ status: 'UP' });
      await settle();
      expect(engine.current().components.hung.status).toBe('DOWN');

      const third = engine.refresh();
      expect(check).toHaveBeenCalledTimes(2);
      release[1]({ status: 'UP' });
      expect((await third).components.hung).toEqual({ status: 'UP' });
    });
  });

  describe('coalescing', () => {
    it('shares one run between concurrent refresh() calls', async () => {
      const check = jest.fn<Check>(() => delay(10, { status: 'UP' as const }));
      const engine = engineWith([indicator('slow', check)]);
      const a = engine.refresh();
      const b = engine.refresh();
      const c = engine.refresh();
      expect(b).toBe(a);
      expect(c).toBe(a);
      const [sa, sb, sc] = await Promise.all([a, b, c]);
      expect(sb).toBe(sa);
      expect(sc).toBe(sa);
      expect(check).toHaveBeenCalledTimes(1);

      await engine.refresh();
      expect(check).toHaveBeenCalledTimes(2);
    });

    it('never calls an indicator for a probe in background mode', () => {
      const check = jest.fn<Check>(() => ({ status: 'UP' }));
      const engine = engineWith([indicator('broker', check)]);
      const snapshot = asSnapshot(engine.forProbe());
      expect(snapshot.components.broker).toEqual(NOT_CHECKED);
      expect(check).not.toHaveBeenCalled();
    });

    it('coalesces concurrent probes into one run in on-request mode', async () => {
      const check = jest.fn<Check>(() => delay(10, { status: 'UP' as const }));
      const engine = engineWith([indicator('broker', check)], { checkMode: 'on-request' });
      const probes = [engine.forProbe(), engine.forProbe(), engine.forProbe()];
      for (const probe of probes) expect(probe).toBeInstanceOf(Promise);
      const snapshots = await Promise.all(probes);
      expect(check).toHaveBeenCalledTimes(1);
      expect(snapshots[1]).toBe(snapshots[0]);
      expect(snapshots[2]).toBe(snapshots[0]);
      expect(snapshots[0].components.broker).toEqual({ status: 'UP' });

      await engine.forProbe();
      expect(check).toHaveBeenCalledTimes(2);
    });
  });

  describe('staleness', () => {
    it('answers a stale snapshot with every component DOWN once no refresh completed within staleAfterMs', async () => {
      const engine = engineWith(
        [indicator('mqtt', () => ({ status: 'UP', components: { 'tcp-listener-1883': { status: 'UP' } } })), indicator('cluster', () => ({ status: 'UP' }))],
        { refreshIntervalMs: 100, staleAfterMs: 1000 },
      );
      const fresh = await engine.refresh();
      expect(engine.current()).toBe(fresh);
      expect(fresh.stale).toBe(false);

      const later = Date.now() + 60_000;
      const stale = engine.current(later);
      expect(stale.stale).toBe(true);
      expect(stale.at).toBe(later);
      expect(stale.status).toBe('DOWN');
      for (const name of ['mqtt', 'cluster']) {
        expect(stale.components[name].status).toBe('DOWN');
        expect(stale.components[name].details!.reason).toMatch(/^stale: no health refresh completed since \d{4}-\d\d-\d\dT/);
      }
      expect(engine.current(later + 1)).toBe(stale);
      expect(engine.current()).toBe(fresh);
    });

    it('is fresh again after the next refresh', async () => {
      const engine = engineWith([indicator('cluster', () => ({ status: 'UP' }))], { refreshIntervalMs: 100, staleAfterMs: 1000 });
      await engine.refresh();
      const before = Date.now();
      expect(engine.current(before + 60_000).stale).toBe(true);
      await engine.refresh();
      expect(engine.current().stale).toBe(false);
      expect(engine.current().components.cluster.status).toBe('UP');
    });

    it('never goes stale in on-request mode', async () => {
      const engine = engineWith([indicator('cluster', () => ({ status: 'UP' }))], { checkMode: 'on-request', refreshIntervalMs: 100, staleAfterMs: 1000 });
      await engine.refresh();
      expect(engine.current(Date.now() + 60_000).stale).toBe(false);
    });
  });

  describe('changes$', () => {
    it('emits the placeholder of each component when indicators are registered', () => {
      const config = createHealthConfig({ logTransitions: false });
      const engine = new HealthEngine(config);
      const events: HealthTransition[] = [];
      engine.changes$.subscribe((t) => events.push(t));
      engine.register(
        [indicator('cluster', () => ({ status: 'UP' }))],
        config.groups.map((definition) => ({ definition, members: definition.members })),
      );
      expect(events.filter((t) => t.kind === 'component')).toEqual([{ kind: 'component', path: 'cluster', from: null, to: 'UNKNOWN', at: expect.any(Number), reason: 'not checked yet' }]);
    });

    it('emits one event per transition, none for an unchanged status', async () => {
      let next: HealthComponent = { status: 'UP', details: { connections: 1 } };
      const engine = engineWith([indicator('broker', () => next), indicator('hung', hang, { timeoutMs: 20 })]);
      const events: HealthTransition[] = [];
      engine.changes$.subscribe((t) => events.push(t));

      await engine.refresh();
      expect(events.map(({ path, from, to, reason }) => ({ path, from, to, reason }))).toEqual([
        { path: 'broker', from: 'UNKNOWN', to: 'UP', reason: undefined },
        { path: 'hung', from: 'UNKNOWN', to: 'DOWN', reason: 'timed out after 20 ms' },
      ]);

      events.length = 0;
      next = { status: 'UP', details: { connections: 2 } };
      await engine.refresh();
      expect(events).toEqual([]);

      next = { status: 'DEGRADED', details: { reason: 'persistence slow' } };
      await engine.refresh();
      expect(events).toEqual([{ kind: 'component', path: 'broker', from: 'UP', to: 'DEGRADED', at: expect.any(Number), reason: 'persistence slow' }]);
    });

    it('emits a group transition when a member moves the group', async () => {
      let status: HealthComponent['status'] = 'UP';
      const engine = engineWith([indicator('persistence', () => ({ status }))], { groups: { storage: { members: ['persistence'] } } });
      await engine.refresh();
      const events: HealthTransition[] = [];
      engine.changes$.subscribe((t) => events.push(t));
      status = 'DOWN';
      await engine.refresh();
      expect(events.map(({ kind, path, from, to }) => ({ kind, path, from, to }))).toEqual([
        { kind: 'component', path: 'persistence', from: 'UP', to: 'DOWN' },
        { kind: 'group', path: 'storage', from: 'UP', to: 'DOWN' },
      ]);
    });
  });

  describe('absent components', () => {
    it.each([null, undefined])('leaves an indicator returning %p out of the tree and the groups', async (absent) => {
      const engine = engineWith([indicator('cluster', () => absent), indicator('mqtt', () => ({ status: 'UP' }))], {
        groups: { readiness: { members: ['cluster', 'mqtt'] }, peers: { members: ['cluster'] } },
      });
      const events: HealthTransition[] = [];
      engine.changes$.subscribe((t) => events.push(t));
      const snapshot = await engine.refresh();
      expect(Object.keys(snapshot.components)).toEqual(['mqtt']);
      expect(Object.keys(snapshot.groups.readiness.components)).toEqual(['mqtt']);
      expect(snapshot.groups.peers).toEqual({ status: 'UP', components: {}, counted: {} });
      expect(snapshot.checks.cluster).toMatchObject({ failed: false, failures: 0 });
      expect(events).toContainEqual({ kind: 'component', path: 'cluster', from: 'UNKNOWN', to: null, at: expect.any(Number) });
    });
  });

  describe('intervalMs', () => {
    it('runs a costly check at most once per interval, keeping its result meanwhile', async () => {
      const costly = jest.fn<Check>(() => ({ status: 'UP', details: { 'free-bytes': 1 } }));
      const cheap = jest.fn<Check>(() => ({ status: 'UP' }));
      const engine = engineWith([indicator('disk', costly, { intervalMs: 60_000 }), indicator('broker', cheap)]);
      const first = await engine.refresh();
      const second = await engine.refresh();
      expect(cheap).toHaveBeenCalledTimes(2);
      expect(costly).toHaveBeenCalledTimes(1);
      expect(second.components.disk).toEqual({ status: 'UP', details: { 'free-bytes': 1 } });
      expect(second.checks.disk).toEqual(first.checks.disk);
    });
  });

  describe('published snapshots', () => {
    it('are not changed by an indicator mutating what it returned', async () => {
      const shared: HealthComponent = { status: 'UP', details: { clients: 1 }, components: { a: { status: 'UP' } } };
      const engine = engineWith([indicator('broker', () => shared)]);
      const snapshot = await engine.refresh();
      shared.status = 'DOWN';
      shared.details!.clients = 99;
      shared.components!.a.status = 'DOWN';
      expect(snapshot.components.broker).toEqual({ status: 'UP', details: { clients: 1 }, components: { a: { status: 'UP' } } });
      expect(engine.current().components.broker.status).toBe('UP');
    });

    it('are frozen', async () => {
      const engine = engineWith([indicator('broker', () => ({ status: 'UP', details: { clients: 1 } }))]);
      const snapshot = await engine.refresh();
      expect(Object.isFrozen(snapshot)).toBe(true);
      expect(Object.isFrozen(snapshot.components.broker.details)).toBe(true);
    });
  });
});

describe('lifecycle before registration', () => {
  it('accepts markStarted() and drain() before the indicators are registered', async () => {
    const config = createHealthConfig({ timeoutMs: 50, logTransitions: false });
    const engine = new HealthEngine(config);
    expect(() => engine.markStarted()).not.toThrow();
    await engine.drain();
    engine.register([], config.groups.map((definition) => ({ definition, members: definition.members })));
    const snapshot = engine.current();
    expect(snapshot.started).toBe(true);
    expect(snapshot.draining).toBe(true);
    expect(snapshot.groups.readiness.status).toBe('OUT_OF_SERVICE');
  });
});

describe('staleness threshold', () => {
  it('leaves room for the slowest indicator when staleAfterMs is not given', () => {
    const engine = engineWith([indicator('slow', () => ({ status: 'UP' }), { timeoutMs: 5000 })], { refreshIntervalMs: 100 });
    // Default would be 3 × 100 + 50 = 350 ms; a refresh can last 5 s, so the threshold is 3 × 100 + 5000.
    expect(engine.current(Date.now() + 3000).stale).toBe(false);
    expect(engine.current(Date.now() + 6000).stale).toBe(true);
  });
});
