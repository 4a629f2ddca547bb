import {
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { Subject, type Observable } from 'rxjs';
import { errorText } from '../errors/error-text.js';
import type { GroupInput } from '../model/health-group.interface.js';
import type { HealthSnapshot, HealthTransition } from '../model/health-snapshot.interface.js';
import type { RegisteredIndicator } from '../model/registered-indicator.interface.js';
import type { HealthConfig } from '../options/health-config.js';
import { staleThresholdMs } from '../options/stale-threshold.js';
import { hasOwnPort } from '../options/transport-options.js';
import { CheckRunner, type CompletedCheck } from './check-runner.js';
import { Lifecycle, whenServing } from './lifecycle.js';
import { SnapshotBuilder } from './snapshot-builder.js';
import { SnapshotPublisher } from './snapshot-publisher.js';
import { StalenessGuard } from './staleness.js';

export type { CompletedCheck } from './check-runner.js';

/** The indicators found at bootstrap, each group with its resolved members. */
export interface FoundIndicators {
  readonly indicators: readonly RegisteredIndicator[];
  readonly groups: readonly GroupInput[];
}

/**
 * Runs indicators and publishes snapshots. Probes never reach an indicator: in background mode a
 * refresher runs every check under its own timeout and republishes as each result lands, so a hung
 * check delays nobody; probes read `current()`.
 *
 * Other providers hold the engine from the start, but the indicators exist only once Nest has
 * instantiated every provider: `onModuleInit` asks for them and builds the refresher in one go.
 *
 * @internal
 */
export class HealthEngine implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly completedChecks = new Subject<CompletedCheck>();
  private readonly transitions = new Subject<HealthTransition>();
  private readonly lifecycle: Lifecycle;
  private readonly logger = new Logger('Health');
  private built?: Refresher;
  private starting?: Promise<void>;

  /** Status transitions of components and groups. */
  readonly changes$: Observable<HealthTransition> = this.transitions.asObservable();
  /** Every settled check (for duration and failure metrics). */
  readonly checks$: Observable<CompletedCheck> = this.completedChecks.asObservable();

  constructor(
    private readonly config: HealthConfig,
    /** The explorer's discovery; needs every provider instantiated. */
    private readonly findIndicators: () => FoundIndicators,
    private readonly httpAdapterHost?: HttpAdapterHost,
  ) {
    this.lifecycle = new Lifecycle(config.drainMs);
  }

  onModuleInit(): void {
    const { indicators, groups } = this.findIndicators();
    this.built = new Refresher(this.config, indicators, groups, this.lifecycle, {
      transition: (transition) => this.transitions.next(transition),
      check: (check) => this.completedChecks.next(check),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    // The app starts listening with real results, never with a tree of UNKNOWNs.
    await this.refresher.refresh();
    if (this.config.checkMode === 'background') this.refresher.schedule();
    if (this.config.startup === 'auto') whenServing(this.httpAdapterHost, hasOwnPort(this.config), () => void this.markStarted());
  }

  /** Drain first, while the app still serves, when a signal or the app asked for it (see Lifecycle.beforeShutdown). */
  beforeApplicationShutdown(signal?: string): Promise<void> {
    return this.lifecycle.beforeShutdown(signal, (line) => this.logger.warn(line));
  }

  onApplicationShutdown(): void {
    this.built?.stop();
    this.transitions.complete();
    this.completedChecks.complete();
  }

  /**
   * Start-up is complete: the startup group and readiness follow their members from now on. When the app says
   * so (`startup: 'manual'`), the members are checked again first, and start-up completes with that run: no
   * answer after start-up carries what they said while the app was still bringing them up. Resolves once started.
   */
  markStarted(): Promise<void> {
    if (this.lifecycle.current.started) return Promise.resolve();
    const recheck = this.config.startup === 'manual' && this.config.checkMode === 'background' && this.built;
    const started = () => this.lifecycle.markStarted();
    if (!recheck) return Promise.resolve(started());
    return (this.starting ??= recheck.refreshNow().then(started, started));
  }

  /** Readiness OUT_OF_SERVICE (draining) from now on; resolves after `drainMs`. Idempotent. */
  drain(): Promise<void> {
    return this.lifecycle.drain();
  }

  get started(): boolean {
    return this.lifecycle.current.started;
  }

  get draining(): boolean {
    return this.lifecycle.current.draining;
  }

  /** The latest snapshot; if the refresher has stalled, a stale one in which every component is DOWN. */
  current(): HealthSnapshot {
    return this.refresher.current();
  }

  /** Milliseconds since the last completed refresh, on the monotonic clock (a wall-clock step does not change it). */
  refreshAgeMs(): number {
    return performance.now() - this.refresher.refreshedMonotonic;
  }

  /** The snapshot a probe answers from: the latest in background mode, a fresh coalesced one in on-request mode. */
  forProbe(): HealthSnapshot | Promise<HealthSnapshot> {
    return this.config.checkMode === 'on-request' ? this.refresh() : this.current();
  }

  /** Runs every due indicator once; concurrent callers share the same run. */
  refresh(): Promise<HealthSnapshot> {
    return this.refresher.refresh();
  }

  /**
   * Runs every indicator, whatever its interval, in a run that starts after this call (once a run under way
   * has settled): what changed before the call is in the snapshot it resolves with. Concurrent callers share it.
   */
  refreshNow(): Promise<HealthSnapshot> {
    return this.refresher.refreshNow();
  }

  private get refresher(): Refresher {
    if (!this.built) throw new Error('The health engine has no indicators yet: Nest has not initialised HealthModule');
    return this.built;
  }
}

/**
 * The registered indicators and what is built from them, together: the runner, the publisher of
 * their snapshots, the staleness guard on what probes read, and the background timer. What users see is wall-clock
 * epoch ms; every duration, due time and age is monotonic (`performance.now()`): a wall-clock step changes no verdict.
 */
class Refresher {
  private readonly logger = new Logger('Health');
  private readonly runner: CheckRunner;
  private readonly publisher: SnapshotPublisher;
  private readonly staleness: StalenessGuard;
  /** When the last refresh completed: on the wall clock as snapshots show it, on the monotonic clock for ages. */
  private refreshedAt = Date.now();
  refreshedMonotonic = performance.now();
  private inFlight?: Promise<HealthSnapshot>;
  /** A refreshNow() waiting for the run under way to settle. */
  private queued?: Promise<HealthSnapshot>;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly config: HealthConfig,
    indicators: readonly RegisteredIndicator[],
    groups: readonly GroupInput[],
    private readonly lifecycle: Lifecycle,
    emit: { transition(transition: HealthTransition): void; check(check: CompletedCheck): void },
  ) {
    const builder = new SnapshotBuilder(config, groups);
    this.runner = new CheckRunner(indicators, this.refreshedAt, (check) => {
      this.publish();
      emit.check(check);
    });
    // The placeholders of every indicator, published at once.
    const [placeholders, at, monotonic] = [this.runner.results(), this.refreshedAt, this.refreshedMonotonic];
    this.publisher = new SnapshotPublisher(config, builder, emit.transition, placeholders, at, lifecycle.current, monotonic);
    const thresholdMs = staleThresholdMs(
      config,
      indicators.map((i) => i.timeoutMs),
    );
    this.staleness = new StalenessGuard(thresholdMs, (snapshot) => builder.stale(snapshot, Date.now()));
    lifecycle.changes$.subscribe(() => this.publish());
  }

  current(): HealthSnapshot {
    const snapshot = this.publisher.latest;
    // On request, every probe reads a fresh snapshot: nothing goes stale.
    return this.config.checkMode === 'on-request' ? snapshot : this.staleness.check(snapshot, this.refreshedMonotonic, performance.now());
  }

  refresh(): Promise<HealthSnapshot> {
    return this.inFlight ?? this.start(false);
  }

  /** Never two runs at once: a check still running would read as timed out in the second. */
  refreshNow(): Promise<HealthSnapshot> {
    if (!this.inFlight) return this.start(true);
    // Awaits before it clears `queued`, so it is assigned first.
    this.queued ??= (async () => {
      while (this.inFlight) await this.inFlight.catch(() => undefined);
      this.queued = undefined;
      return this.start(true);
    })();
    return this.queued;
  }

  schedule(): void {
    if (this.stopped) return;
    const delay = Math.max(0, this.refreshedMonotonic + this.config.refreshIntervalMs - performance.now());
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

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private start(all: boolean): Promise<HealthSnapshot> {
    const run = this.runAll(all).finally(() => (this.inFlight = undefined));
    this.inFlight = run;
    return run;
  }

  private async runAll(all: boolean): Promise<HealthSnapshot> {
    await this.runner.runDue(performance.now(), all);
    this.refreshedMonotonic = performance.now();
    this.refreshedAt = Date.now();
    return this.publish(this.refreshedAt);
  }

  private publish(now = Date.now()): HealthSnapshot {
    return this.publisher.publish(this.runner.results(), now, this.refreshedAt, this.lifecycle.current, performance.now());
  }
}
