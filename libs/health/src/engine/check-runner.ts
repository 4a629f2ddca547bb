import { errorText } from '../errors/error-text.js';
import { HealthStatus } from '../model/health-status.js';
import type { RegisteredIndicator } from '../model/registered-indicator.interface.js';
import { failedComponent, normalizeComponent } from './normalize-component.js';
import type { IndicatorResult } from './snapshot-builder.js';

export interface CompletedCheck {
  readonly name: string;
  readonly durationMs: number;
  readonly failed: boolean;
}

interface IndicatorState {
  readonly indicator: RegisteredIndicator;
  result: IndicatorResult;
  /** A check() call that has not settled yet, even past its timeout. */
  pending?: { startedAt: number };
  /** Monotonic, as every start time here. */
  lastStartedAt: number;
}

/**
 * Runs indicators, each under its own timeout, and keeps each one's latest result. A check that
 * hangs is never called again until it settles; meanwhile it keeps reporting as timed out.
 * Due times and durations are measured on the monotonic clock (`performance.now()`), so a step of
 * the wall clock neither freezes an indicator with an interval nor skews a duration; `checkedAt`
 * stays a wall-clock time (epoch ms), as shown to users.
 */
export class CheckRunner {
  private readonly states: IndicatorState[];

  constructor(
    indicators: readonly RegisteredIndicator[],
    /** Wall-clock time (epoch ms) of the placeholders. */
    now: number,
    /** Called as each check settles, the moment it lands. */
    private readonly onSettled: (check: CompletedCheck) => void,
  ) {
    this.states = indicators.map((indicator) => ({
      indicator,
      lastStartedAt: -Infinity,
      result: {
        name: indicator.name,
        component: { status: HealthStatus.UNKNOWN, details: { reason: 'not checked yet' } },
        stats: { checkedAt: now, durationMs: 0, failed: false, failures: 0 },
      },
    }));
  }

  /** The latest result of every indicator, in registration order. */
  results(): IndicatorResult[] {
    return this.states.map((state) => state.result);
  }

  /**
   * Runs every indicator whose interval has passed at `startedAt` (monotonic; each one with `all`); settles when
   * each has settled or timed out.
   */
  async runDue(startedAt = performance.now(), all = false): Promise<void> {
    await Promise.all(
      this.states
        .filter((state) => all || startedAt - state.lastStartedAt >= state.indicator.intervalMs)
        .map((state) => this.run(state, startedAt)),
    );
  }

  /** Settles within the indicator's timeout, whatever check() does. */
  private run(state: IndicatorState, startedAt: number): Promise<void> {
    const { indicator } = state;
    if (state.pending) {
      // Never stack calls on a hung dependency: keep reporting the one still running.
      const runningMs = Math.round(startedAt - state.pending.startedAt);
      this.settle(
        state,
        failedComponent(`timed out after ${indicator.timeoutMs} ms (still running after ${runningMs} ms)`),
        startedAt,
        true,
      );
      return Promise.resolve();
    }
    state.lastStartedAt = startedAt;
    const pending = { startedAt };
    state.pending = pending;
    return new Promise<void>((resolve) => {
      let settled = false;
      const finish = (component: IndicatorResult['component'], failed: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout);
        this.settle(state, component, startedAt, failed);
        resolve();
      };
      const accept = (value: unknown) => {
        if (value === null || value === undefined) return finish(null, false);
        let component;
        try {
          component = normalizeComponent(value);
        } catch (error) {
          return finish(failedComponent(`invalid check() result: ${errorText(error)}`), true);
        }
        finish(component, false);
      };
      const timeout = setTimeout(() => finish(failedComponent(`timed out after ${indicator.timeoutMs} ms`), true), indicator.timeoutMs);
      new Promise((r) => r(indicator.instance.check()))
        .then(accept, (error) => finish(failedComponent(errorText(error)), true))
        .finally(() => {
          if (state.pending === pending) state.pending = undefined;
        });
    });
  }

  private settle(state: IndicatorState, component: IndicatorResult['component'], startedAt: number, failed: boolean): void {
    const failures = state.result.stats.failures + (failed ? 1 : 0);
    const durationMs = Math.round(performance.now() - startedAt);
    state.result = { name: state.indicator.name, component, stats: { checkedAt: Date.now(), durationMs, failed, failures } };
    this.onSettled({ name: state.indicator.name, durationMs, failed });
  }
}
