import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Inject, type OnModuleDestroy } from '@nestjs/common';
import { HEALTH_CONFIG } from '../health.constants.js';
import { HealthIndicator } from '../indicator/health-indicator.decorator.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { HealthComponentCheck } from '../model/health-indicator.interface.js';
import { HealthStatus } from '../model/health-status.js';
import type { HealthConfig } from '../options/health-config.js';

/** How long a stall keeps the component DEGRADED after it ended: long enough for someone to look. */
export const EVENT_LOOP_WINDOW_MS = 60_000;
/** The histogram's timer, in native code: no JavaScript runs for it. */
const RESOLUTION_MS = 20;
/**
 * A JavaScript timer beside the histogram, measuring how late it runs. The histogram loses a block when a
 * check reads and resets it in the loop turn the block ends, before its own timer has run (a reset
 * forgets the time of its last sample); this timer's lateness is kept until a check has read it.
 */
const WATCH_MS = 250;

/** What one refresh interval saw of the event loop. */
export interface EventLoopInterval {
  readonly endedAt: number;
  /** Longest delay of the interval, ms. */
  readonly maxMs: number;
  readonly p99Ms: number;
}

/**
 * The longest event-loop delay (`perf_hooks.monitorEventLoopDelay`) of each refresh interval. A
 * blocked loop answers nothing, probes included; once it runs again this component shows the stall
 * it just had: DOWN for the interval that saw a delay past `eventLoopDownMs`, DEGRADED while a delay
 * past `eventLoopDegradedMs` is less than a minute old; GC pauses stay far below both. Liveness has no
 * members unless the app names some: with `event-loop` among them, a thread that keeps stalling
 * for longer than `eventLoopDownMs` gets restarted (the demo does).
 */
@HealthIndicator('event-loop')
export class EventLoopHealthIndicator implements HealthComponentCheck, OnModuleDestroy {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  /**
   * The intervals of the window that can still be its worst, oldest first, each with when it ended on the
   * monotonic clock (the window is measured on it): an interval is dropped once a later one was as long, so
   * the first is the worst and the last the latest, and the list stays short however often `check()` runs
   * (on-request probes run it per request).
   */
  private window: { interval: EventLoopInterval; at: number }[] = [];
  /** The watch timer's latest lateness not yet read by a check, and when it is next due (monotonic). */
  private watchLateMs = 0;
  private watchDueAt = performance.now() + WATCH_MS;
  private readonly watch = setInterval(() => {
    const now = performance.now();
    this.watchLateMs = Math.max(this.watchLateMs, now - this.watchDueAt);
    this.watchDueAt = now + WATCH_MS;
  }, WATCH_MS).unref();

  constructor(@Inject(HEALTH_CONFIG) private readonly config: HealthConfig) {
    this.histogram.enable();
  }

  check(): HealthComponent {
    const now = performance.now();
    const { max, count } = this.histogram;
    const maxMs = Math.max(count ? max / 1e6 : 0, this.watchLateMs);
    const interval = { endedAt: Date.now(), maxMs, p99Ms: count ? this.histogram.percentile(99) / 1e6 : 0 };
    this.histogram.reset();
    this.watchLateMs = 0;
    while (this.window.length > 0 && now - this.window[0].at >= EVENT_LOOP_WINDOW_MS) this.window.shift();
    while (this.window.length > 0 && this.window[this.window.length - 1].interval.maxMs <= interval.maxMs) this.window.pop();
    this.window.push({ interval, at: now });
    const { eventLoopDegradedMs, eventLoopDownMs } = this.config.resourceThresholds;
    const intervals = this.window.map((entry) => entry.interval);
    return eventLoopComponent(intervals, { degradedMs: eventLoopDegradedMs, downMs: eventLoopDownMs });
  }

  onModuleDestroy(): void {
    this.histogram.disable();
    clearInterval(this.watch);
  }
}

/** The component for the intervals of the last window, the newest last. */
export function eventLoopComponent(
  intervals: readonly EventLoopInterval[],
  limits: { degradedMs: number; downMs: number },
): HealthComponent {
  const latest = intervals.at(-1);
  const worst = intervals.reduce<EventLoopInterval | undefined>((a, b) => (a && a.maxMs >= b.maxMs ? a : b), undefined);
  const details: Record<string, unknown> = {
    'max-delay-ms': Math.round(worst?.maxMs ?? 0),
    'p99-delay-ms': Math.round(latest?.p99Ms ?? 0),
    'window-ms': EVENT_LOOP_WINDOW_MS,
    'degraded-ms': limits.degradedMs,
    'down-ms': limits.downMs,
  };
  if (latest && latest.maxMs > limits.downMs) {
    const reason = `the event loop was blocked for ${Math.round(latest.maxMs)} ms (more than ${limits.downMs} ms): nothing was served meanwhile`;
    return { status: HealthStatus.DOWN, details: { ...details, reason } };
  }
  if (worst && worst.maxMs > limits.degradedMs) {
    const at = new Date(worst.endedAt).toISOString();
    const reason = `the event loop was blocked for ${Math.round(worst.maxMs)} ms in the interval that ended at ${at} (more than ${limits.degradedMs} ms)`;
    return { status: HealthStatus.DEGRADED, details: { ...details, reason } };
  }
  return { status: HealthStatus.UP, details };
}
