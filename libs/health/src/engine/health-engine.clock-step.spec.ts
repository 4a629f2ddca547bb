// A step of the wall clock (NTP, a VM resume, `jest.setSystemTime()` in a host app's test) changes no verdict:
// durations, due times and ages are monotonic; only the times users see follow the wall clock.
// Jest's fake clocks fake both Date and performance.now(); `jest.setSystemTime()` moves Date alone.
import { afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { engineWith, indicator, type Check } from '../testing/health-test-kit.js';

const HOUR = 3_600_000;
const TEN_MINUTES = 600_000;

beforeAll(() => Logger.overrideLogger(false));
beforeEach(() => {
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
});

describe('a wall clock stepped forward', () => {
  it('leaves refreshed results fresh and readiness UP across the next refreshes', async () => {
    const engine = engineWith([indicator('db', () => ({ status: 'UP' }), { groups: ['readiness'] })], { refreshIntervalMs: 1000 });
    void engine.markStarted();
    await engine.refresh();
    jest.setSystemTime(Date.now() + HOUR);
    expect(engine.current().stale).toBe(false);
    expect(engine.current().groups.readiness.status).toBe('UP');

    for (let i = 0; i < 2; i++) {
      jest.advanceTimersByTime(1000);
      const snapshot = await engine.refresh();
      expect(engine.current()).toBe(snapshot);
      expect(snapshot.stale).toBe(false);
      expect(snapshot.components.db.status).toBe('UP');
      expect(snapshot.groups.readiness.status).toBe('UP');
      // What users see follows the wall clock.
      expect(snapshot.at).toBe(Date.now());
      expect(snapshot.refreshedAt).toBe(Date.now());
    }
    expect(engine.refreshAgeMs()).toBe(0);
  });

  it('still reads stale once the refresher really stalls after the step', async () => {
    const engine = engineWith([indicator('db', () => ({ status: 'UP' }))], { refreshIntervalMs: 100, staleAfterMs: 1000 });
    await engine.refresh();
    jest.setSystemTime(Date.now() + HOUR);
    jest.advanceTimersByTime(1000);
    expect(engine.current().stale).toBe(false);
    jest.advanceTimersByTime(1);
    expect(engine.current().stale).toBe(true);
    expect(engine.refreshAgeMs()).toBe(1001);
  });

  it('measures a check by the monotonic clock when the wall clock steps while it runs', async () => {
    const check = jest.fn<Check>(() => {
      jest.setSystemTime(Date.now() + HOUR);
      return { status: 'UP' };
    });
    const engine = engineWith([indicator('db', check)]);
    const snapshot = await engine.refresh();
    expect(snapshot.checks.db.durationMs).toBe(0);
    expect(snapshot.checks.db.checkedAt).toBe(Date.now());
  });

  it('neither ends nor stretches a grace window', async () => {
    let status: 'UP' | 'DOWN' = 'UP';
    const engine = engineWith([indicator('db', () => ({ status }))], {
      refreshIntervalMs: 100,
      groups: { readiness: { members: ['db'], graceMs: 5000 } },
    });
    void engine.markStarted();
    await engine.refresh();
    status = 'DOWN';
    await engine.refresh();
    jest.setSystemTime(Date.now() + HOUR);
    jest.advanceTimersByTime(1000);
    expect((await engine.refresh()).groups.readiness.status).toBe('UP');
    jest.setSystemTime(Date.now() - 2 * HOUR);
    jest.advanceTimersByTime(4000);
    expect((await engine.refresh()).groups.readiness.status).not.toBe('UP');
  });
});

describe('a wall clock stepped back', () => {
  it('keeps an indicator with intervalMs running on time under the background refresher', async () => {
    const check = jest.fn<Check>(() => ({ status: 'UP' }));
    const engine = engineWith([indicator('replicas', check, { intervalMs: 2000 })], { refreshIntervalMs: 1000 });
    await engine.onApplicationBootstrap();
    expect(check).toHaveBeenCalledTimes(1);
    jest.setSystemTime(Date.now() - TEN_MINUTES);
    await jest.advanceTimersByTimeAsync(1000);
    expect(check).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1000);
    expect(check).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(2000);
    expect(check).toHaveBeenCalledTimes(3);
    expect(engine.current().stale).toBe(false);
    engine.onApplicationShutdown();
  });

  it('still notices a stalled refresher', async () => {
    const engine = engineWith([indicator('db', () => ({ status: 'UP' }))], { refreshIntervalMs: 100, staleAfterMs: 1000 });
    await engine.refresh();
    jest.setSystemTime(Date.now() - TEN_MINUTES);
    jest.advanceTimersByTime(1001);
    const stale = engine.current();
    expect(stale.stale).toBe(true);
    expect(stale.at).toBe(Date.now());
    expect(stale.components.db.status).toBe('DOWN');
  });
});
