import { describe, expect, it, jest } from '@jest/globals';
import { createHealthConfig } from '../options/health-config.js';
import { EVENT_LOOP_WINDOW_MS, EventLoopHealthIndicator, eventLoopComponent, type EventLoopInterval } from './event-loop.health.js';

const limits = { degradedMs: 1000, downMs: 10_000 };
const at = (endedAt: number, maxMs: number): EventLoopInterval => ({ endedAt, maxMs, p99Ms: maxMs });

describe('eventLoopComponent', () => {
  it('is UP with the longest delay of the window and the latest p99', () => {
    expect(eventLoopComponent([at(1, 40), { endedAt: 2, maxMs: 30, p99Ms: 12 }], limits)).toEqual({
      status: 'UP',
      details: { 'max-delay-ms': 40, 'p99-delay-ms': 12, 'window-ms': EVENT_LOOP_WINDOW_MS, 'degraded-ms': 1000, 'down-ms': 10_000 },
    });
  });

  it('stays DEGRADED after a stall past degradedMs, naming how long and when', () => {
    const component = eventLoopComponent([at(Date.UTC(2026, 0, 1), 3200), at(Date.UTC(2026, 0, 1, 0, 0, 1), 15)], limits);
    expect(component.status).toBe('DEGRADED');
    expect(component.details).toMatchObject({
      'max-delay-ms': 3200,
      reason: 'the event loop was blocked for 3200 ms in the interval that ended at 2026-01-01T00:00:00.000Z (more than 1000 ms)',
    });
  });

  it('is DOWN only for the interval that saw a delay past downMs, then DEGRADED', () => {
    expect(eventLoopComponent([at(1, 12_000)], limits).status).toBe('DOWN');
    expect(eventLoopComponent([at(1, 12_000), at(2, 20)], limits).status).toBe('DEGRADED');
    expect(eventLoopComponent([at(1, 9_999)], limits).status).toBe('DEGRADED');
  });
});

describe('EventLoopHealthIndicator', () => {
  it('measures the real event loop: a synchronous block shows in the next check', async () => {
    const indicator = new EventLoopHealthIndicator(createHealthConfig({ resourceThresholds: { eventLoopDegradedMs: 100 } }));
    try {
      indicator.check();
      await new Promise((done) => setTimeout(done, 50));
      for (const start = Date.now(); Date.now() - start < 300;);
      await new Promise((done) => setTimeout(done, 50));
      const component = indicator.check();
      expect(component.status).toBe('DEGRADED');
      expect(component.details!['max-delay-ms']).toBeGreaterThanOrEqual(250);
    } finally {
      indicator.onModuleDestroy();
    }
  });

  it('sees a block even when a check reads the histogram in the loop turn the block ends, before its timer runs', async () => {
    const indicator = new EventLoopHealthIndicator(createHealthConfig({ resourceThresholds: { eventLoopDegradedMs: 100 } }));
    try {
      const first = await new Promise<ReturnType<typeof indicator.check>>((done) => {
        setTimeout(() => {
          for (const start = Date.now(); Date.now() - start < 600;);
        }, 20);
        // Due during the block, so it runs in the turn the block ends: the histogram has not seen the block yet.
        setTimeout(() => done(indicator.check()), 21);
      });
      await new Promise((done) => setTimeout(done, 300));
      const next = indicator.check();
      expect([first.status, next.status]).toContain('DEGRADED');
      expect(next.status).toBe('DEGRADED');
      expect(next.details!['max-delay-ms']).toBeGreaterThanOrEqual(300);
    } finally {
      indicator.onModuleDestroy();
    }
  });

  it('keeps the worst stall of the window however often it is checked (on-request probes check per request)', async () => {
    const indicator = new EventLoopHealthIndicator(createHealthConfig({ resourceThresholds: { eventLoopDegradedMs: 100 } }));
    try {
      await new Promise((done) => setTimeout(done, 30));
      for (const start = Date.now(); Date.now() - start < 250;);
      await new Promise((done) => setTimeout(done, 30));
      expect(indicator.check().status).toBe('DEGRADED');
      // A flood of checks, each an interval of its own: the stall stays the worst, and the window stays short.
      let last = indicator.check();
      for (let i = 0; i < 20_000; i++) last = indicator.check();
      expect(last.status).toBe('DEGRADED');
      expect(last.details!['max-delay-ms']).toBeGreaterThanOrEqual(200);
      expect((indicator as unknown as { window: unknown[] }).window.length).toBeLessThan(10);
    } finally {
      indicator.onModuleDestroy();
    }
  });

  it('forgets a stall once the window has passed on the monotonic clock', () => {
    jest.useFakeTimers();
    const indicator = new EventLoopHealthIndicator(createHealthConfig({}));
    try {
      const stall = at(Date.now(), 5000);
      (indicator as unknown as { window: { interval: EventLoopInterval; at: number }[] }).window = [
        { interval: stall, at: performance.now() },
      ];
      jest.setSystemTime(Date.now() - 10 * 60_000); // the wall clock stepped back: no effect on the window
      jest.advanceTimersByTime(EVENT_LOOP_WINDOW_MS - 1);
      expect(indicator.check().status).toBe('DEGRADED');
      jest.advanceTimersByTime(1);
      expect(indicator.check().status).toBe('UP');
    } finally {
      indicator.onModuleDestroy();
      jest.useRealTimers();
    }
  });

  it('refuses thresholds in the wrong order', () => {
    expect(() => createHealthConfig({ resourceThresholds: { eventLoopDegradedMs: 5000, eventLoopDownMs: 1000 } })).toThrow(
      'resourceThresholds.eventLoopDegradedMs',
    );
  });
});
