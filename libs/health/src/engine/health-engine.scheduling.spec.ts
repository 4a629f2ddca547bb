import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import { engineWith, indicator, NOT_CHECKED, type Check } from '../testing/health-test-kit.js';

const delay = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

function asSnapshot(value: HealthSnapshot | Promise<HealthSnapshot>): HealthSnapshot {
  if (value instanceof Promise) throw new Error('expected a snapshot, got a promise');
  return value;
}

beforeAll(() => {
  Logger.overrideLogger(false);
});

describe('HealthEngine', () => {
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
});

describe('refreshNow (HealthService.refresh)', () => {
  it('starts after a run under way, so what changed before the call is in the snapshot it resolves with', async () => {
    let reachable = true;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const check = jest.fn<Check>(async () => {
      const answer = reachable;
      if (check.mock.calls.length === 1) await gate;
      return { status: answer ? 'UP' : 'DOWN' };
    });
    const engine = engineWith([indicator('db', check, { timeoutMs: 1000 })]);
    const background = engine.refresh();
    reachable = false;
    const now = engine.refreshNow();
    expect(engine.refreshNow()).toBe(now);
    release();
    expect((await background).components.db.status).toBe('UP');
    expect((await now).components.db.status).toBe('DOWN');
    expect(check).toHaveBeenCalledTimes(2);
  });

  it('runs again on each call made after the last run settled', async () => {
    const check = jest.fn<Check>(() => ({ status: 'UP' as const }));
    const engine = engineWith([indicator('db', check)]);
    await engine.refreshNow();
    await engine.refreshNow();
    await engine.refresh();
    await engine.refreshNow();
    expect(check).toHaveBeenCalledTimes(4);
  });

  it('checks an indicator whose interval has not passed yet', async () => {
    const check = jest.fn<Check>(() => ({ status: 'UP' as const }));
    const engine = engineWith([indicator('replicas', check, { intervalMs: 60_000 })]);
    await engine.refresh();
    await engine.refresh();
    expect(check).toHaveBeenCalledTimes(1);
    await engine.refreshNow();
    expect(check).toHaveBeenCalledTimes(2);
  });
});
