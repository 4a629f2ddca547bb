import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger, Optional, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { first, Subject, type Observable } from 'rxjs';
import type { GroupInput } from '../groups/evaluate-group.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import type { HealthConfig } from '../options/health-config.js';
import { HealthStatus } from '../status/health-status.js';
import type { HealthLifecycle, HealthSnapshot, HealthTransition } from './health-snapshot.interface.js';
import { errorText, failedComponent, normalizeComponent } from './normalize-component.js';
import type { RegisteredIndicator } from './registered-indicator.interface.js';
import { SnapshotBuilder, type IndicatorResult } from './snapshot-builder.js';

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
  lastStartedAt: number;
}

/**
 * Runs indicators and publishes snapshots. Probes never reach an indicator: in background mode a
 * refresher runs every check under its own timeout and republishes as each result lands, so a hung
 * check delays nobody; probes read `current()`.
 *
 * @internal
 */
@Injectable()
export class HealthEngine implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Health');
  private readonly transitions = new Subject<HealthTransition>();
  private states: IndicatorState[] = [];
  private builder!: SnapshotBuilder;
  private snapshot!: HealthSnapshot;
  private staleSnapshot?: { of: HealthSnapshot; value: HealthSnapshot };
  private refreshedAt = 0;
  private staleAfterMs: number;
  private inFlight?: Promise<HealthSnapshot>;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private lifecycle: HealthLifecycle = { started: false, draining: false };
  private drained?: Promise<void>;

  private readonly completedChecks = new Subject<CompletedCheck>();

  readonly changes$: Observable<HealthTransition> = this.transitions.asObservable();
  /** Every settled check (for duration and failure metrics). */
  readonly checks$: Observable<CompletedCheck> = this.completedChecks.asObservable();

  constructor(
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
    @Optional() private readonly httpAdapterHost?: HttpAdapterHost,
  ) {
    this.staleAfterMs = config.staleAfterMs;
  }

  /** Called once by the explorer with every indicator found and the resolved group members. */
  register(indicators: readonly RegisteredIndicator[], groups: readonly GroupInput[]): void {
    const now = Date.now();
    this.states = indicators.map((indicator) => ({
      indicator,
      lastStartedAt: -Infinity,
      result: {
        name: indicator.name,
        component: { status: HealthStatus.UNKNOWN, details: { reason: 'not checked yet' } },
        stats: { checkedAt: now, durationMs: 0, failed: false, failures: 0 },
      },
    }));
    this.builder = new SnapshotBuilder(this.config, groups);
    // A refresh lasts as long as its slowest check: by default, leave room for it.
    if (!this.config.staleAfterMsGiven) {
      const slowest = Math.max(this.config.timeoutMs, ...indicators.map((i) => i.timeoutMs));
      this.staleAfterMs = 3 * this.config.refreshIntervalMs + slowest;
    }
    this.refreshedAt = now;
    // Placeholders, not news: emitted on changes$ but not logged.
    this.publish(now, false);
  }

  async onApplicationBootstrap(): Promise<void> {
    // The app starts listening with real results, never with a tree of UNKNOWNs.
    await this.refresh();
    if (this.config.checkMode === 'background') this.schedule();
    if (this.config.startup === 'auto') this.startedWhenServing();
  }

  /**
   * `startup: 'auto'`: an HTTP app has started once it listens (every module's bootstrap hooks have
   * run by then; this module's run first); an application context, once bootstrapped.
   */
  private startedWhenServing(): void {
    const host = this.httpAdapterHost;
    if (!host?.httpAdapter || host.listening) return this.markStarted();
    host.listen$.pipe(first()).subscribe(() => this.markStarted());
  }

  /** Drain first: readiness turns OUT_OF_SERVICE while the app still serves, for `drainMs`. */
  beforeApplicationShutdown(): Promise<void> {
    return this.drain();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.transitions.complete();
    this.completedChecks.complete();
  }

  /** Start-up is complete: the startup group and readiness follow their members from now on. */
  markStarted(): void {
    this.setLifecycle({ started: true });
  }

  /** Readiness OUT_OF_SERVICE (draining) from now on; resolves after `drainMs`. Idempotent. */
  drain(): Promise<void> {
    if (!this.drained) {
      this.setLifecycle({ draining: true });
      this.drained = this.config.drainMs > 0 ? sleep(this.config.drainMs, undefined, { ref: true }) : Promise.resolve();
    }
    return this.drained;
  }

  get started(): boolean {
    return this.lifecycle.started;
  }

  get draining(): boolean {
    return this.lifecycle.draining;
  }

  private setLifecycle(change: Partial<HealthLifecycle>): void {
    const next = { ...this.lifecycle, ...change };
    if (next.started === this.lifecycle.started && next.draining === this.lifecycle.draining) return;
    this.lifecycle = next;
    // Before register() there is nothing to publish yet; register() publishes with this lifecycle.
    if (this.builder) this.publish(Date.now());
  }

  /** The latest snapshot; if the refresher has stalled, a stale one in which every component is DOWN. */
  current(now = Date.now()): HealthSnapshot {
    const snapshot = this.snapshot;
    if (this.config.checkMode === 'on-request' || now - this.refreshedAt <= this.staleAfterMs) return snapshot;
    if (this.staleSnapshot?.of !== snapshot) {
      this.logger.error(`Health results are stale: no refresh completed for ${now - this.refreshedAt} ms; every component reports DOWN`);
      this.staleSnapshot = { of: snapshot, value: this.builder.stale(snapshot, now) };
    }
    return this.staleSnapshot.value;
  }

  /** The snapshot a probe answers from: the latest in background mode, a fresh coalesced one in on-request mode. */
  forProbe(): HealthSnapshot | Promise<HealthSnapshot> {
    return this.config.checkMode === 'on-request' ? this.refresh() : this.current();
  }

  /** Runs every due indicator once; concurrent callers share the same run. */
  refresh(): Promise<HealthSnapshot> {
    this.inFlight ??= this.runAll().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = Math.max(0, this.refreshedAt + this.config.refreshIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.refresh().then(
        () => this.schedule(),
        (error) => {
          this.logger.error(`Health refresh failed: ${errorText(error)}`);
          this.schedule();
        },
      );
    }, delay);
    this.timer.unref();
  }

  private async runAll(): Promise<HealthSnapshot> {
    const startedAt = Date.now();
    await Promise.all(this.states.filter((state) => this.isDue(state, startedAt)).map((state) => this.run(state, startedAt)));
    this.refreshedAt = Date.now();
    this.publish(this.refreshedAt);
    return this.snapshot;
  }

  private isDue(state: IndicatorState, now: number): boolean {
    return now - state.lastStartedAt >= state.indicator.intervalMs;
  }

  /** Settles within the indicator's timeout, whatever check() does. */
  private run(state: IndicatorState, startedAt: number): Promise<void> {
    const { indicator } = state;
    if (state.pending) {
      // Never stack calls on a hung dependency: keep reporting the one still running.
      const runningMs = startedAt - state.pending.startedAt;
      this.settle(state, failedComponent(`timed out after ${indicator.timeoutMs} ms (still running after ${runningMs} ms)`), startedAt, true);
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
      const timeout = setTimeout(() => finish(failedComponent(`timed out after ${indicator.timeoutMs} ms`), true), indicator.timeoutMs);
      new Promise((r) => r(indicator.instance.check()))
        .then(
          (value) => {
            if (value === null || value === undefined) return finish(null, false);
            let component;
            try {
              component = normalizeComponent(value);
            } catch (error) {
              return finish(failedComponent(`invalid check() result: ${errorText(error)}`), true);
            }
            finish(component, false);
          },
          (error) => finish(failedComponent(errorText(error)), true),
        )
        .finally(() => {
          if (state.pending === pending) state.pending = undefined;
        });
    });
  }

  private settle(state: IndicatorState, component: IndicatorResult['component'], startedAt: number, failed: boolean): void {
    const now = Date.now();
    const failures = state.result.stats.failures + (failed ? 1 : 0);
    state.result = { name: state.indicator.name, component, stats: { checkedAt: now, durationMs: now - startedAt, failed, failures } };
    this.publish(now);
    this.completedChecks.next({ name: state.indicator.name, durationMs: now - startedAt, failed });
  }

  private publish(now: number, log = this.config.logTransitions): void {
    const { snapshot, transitions } = this.builder.build(
      this.states.map((s) => s.result),
      now,
      this.refreshedAt,
      this.lifecycle,
    );
    this.snapshot = snapshot;
    for (const transition of transitions) {
      if (log) this.log(transition);
      this.transitions.next(transition);
    }
  }

  private log(t: HealthTransition): void {
    const line = `${t.kind === 'group' ? 'group ' : ''}${t.path}: ${t.from ?? '(new)'} -> ${t.to ?? '(gone)'}${t.reason ? ` (${t.reason})` : ''}`;
    if (t.to !== null && t.to !== HealthStatus.UP && t.to !== HealthStatus.UNKNOWN) this.logger.warn(line);
    else this.logger.log(line);
  }
}
