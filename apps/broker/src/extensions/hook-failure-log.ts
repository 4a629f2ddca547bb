import type { Logger } from '@nestjs/common';

/** At most one line per extension per interval, however many hook failures clients cause. */
export const HOOK_FAILURE_LOG_INTERVAL_MS = 10_000;

interface Interval {
  /** Failures since the line that opened the interval. */
  suppressed: number;
  last: string;
}

/**
 * Logs failures without letting clients flood the log: the first failure of a subject (an extension, say)
 * is logged at once; the ones that follow within the interval are counted and told in one line when it
 * ends, with the last of them; an interval without failures ends the counting.
 */
export class HookFailureLog {
  private readonly intervals = new Map<string, Interval>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly logger: Logger,
    /** What is counted, plural: `hook failures`. */
    private readonly failures = 'hook failures',
  ) {}

  /** `subject` starts the line (`extension acl`); `reason` must already be escaped (escapeClientText). */
  report(subject: string, reason: string): void {
    const interval = this.intervals.get(subject);
    if (interval) {
      interval.suppressed++;
      interval.last = reason;
      return;
    }
    this.logger.error(`${subject}: ${reason}`);
    this.open(subject);
  }

  /** Drops the counts not told yet: the broker is closing. */
  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.intervals.clear();
  }

  private open(subject: string): void {
    const interval: Interval = { suppressed: 0, last: '' };
    this.intervals.set(subject, interval);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.close(subject, interval);
    }, HOOK_FAILURE_LOG_INTERVAL_MS);
    timer.unref();
    this.timers.add(timer);
  }

  private close(subject: string, interval: Interval): void {
    this.intervals.delete(subject);
    if (interval.suppressed === 0) return;
    this.logger.error(
      `${subject}: ${interval.suppressed} more ${this.failures} in the last ${HOOK_FAILURE_LOG_INTERVAL_MS / 1000} s, ` +
        `not logged one by one; the last: ${interval.last}`,
    );
    this.open(subject);
  }
}
