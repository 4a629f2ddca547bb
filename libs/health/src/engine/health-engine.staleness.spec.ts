import { afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { engineWith, indicator } from '../testing/health-test-kit.js';

beforeAll(() => {
  Logger.overrideLogger(false);
});

// Time passes on the fake clocks: Date and performance.now() move together.
beforeEach(() => {
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
});

describe('HealthEngine', () => {
  describe('staleness', () => {
    it('answers a stale snapshot with every component DOWN once no refresh completed within staleAfterMs', async () => {
      const engine = engineWith(
        [
          indicator('mqtt', () => ({ status: 'UP', components: { 'tcp-listener-1883': { status: 'UP' } } })),
          indicator('cluster', () => ({ status: 'UP' })),
        ],
        { refreshIntervalMs: 100, staleAfterMs: 1000 },
      );
      const fresh = await engine.refresh();
      expect(engine.current()).toBe(fresh);
      expect(fresh.stale).toBe(false);

      jest.advanceTimersByTime(60_000);
      const stale = engine.current();
      expect(stale.stale).toBe(true);
      expect(stale.at).toBe(Date.now());
      expect(stale.status).toBe('DOWN');
      for (const name of ['mqtt', 'cluster']) {
        expect(stale.components[name].status).toBe('DOWN');
        expect(stale.components[name].details!.reason).toMatch(/^stale: no health refresh completed since \d{4}-\d\d-\d\dT/);
      }
      jest.advanceTimersByTime(1);
      expect(engine.current()).toBe(stale);
    });

    it('is fresh again after the next refresh', async () => {
      const engine = engineWith([indicator('cluster', () => ({ status: 'UP' }))], { refreshIntervalMs: 100, staleAfterMs: 1000 });
      await engine.refresh();
      jest.advanceTimersByTime(60_000);
      expect(engine.current().stale).toBe(true);
      await engine.refresh();
      expect(engine.current().stale).toBe(false);
      expect(engine.current().components.cluster.status).toBe('UP');
    });

    it('never goes stale in on-request mode', async () => {
      const engine = engineWith([indicator('cluster', () => ({ status: 'UP' }))], {
        checkMode: 'on-request',
        refreshIntervalMs: 100,
        staleAfterMs: 1000,
      });
      await engine.refresh();
      jest.advanceTimersByTime(60_000);
      expect(engine.current().stale).toBe(false);
    });
  });
});

describe('staleness threshold', () => {
  it('leaves room for the slowest indicator when staleAfterMs is not given', () => {
    const engine = engineWith([indicator('slow', () => ({ status: 'UP' }), { timeoutMs: 5000 })], { refreshIntervalMs: 100 });
    // Default would be 3 × 100 + 50 = 350 ms; a refresh can last 5 s, so the threshold is 3 × 100 + 5000.
    jest.advanceTimersByTime(3000);
    expect(engine.current().stale).toBe(false);
    jest.advanceTimersByTime(3000);
    expect(engine.current().stale).toBe(true);
  });
});
