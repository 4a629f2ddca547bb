import { Inject, Injectable, Optional, type OnModuleDestroy } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
import { HealthEngine } from '../engine/health-engine.js';
import { HealthFleet } from '../fleet/health-fleet.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import { FLEET_MEMBER_STATUSES } from '../model/fleet.interface.js';
import { walkComponents } from '../model/component-tree.js';
import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import { HEALTH_STATUSES, type HealthStatus } from '../model/health-status.js';
import type { HealthConfig } from '../options/health-config.js';
import { readinessMode } from '../groups/verdicts.js';

export const METRIC_PREFIX = 'mqtt_health_';

/**
 * Node's process metrics, collected once per process and shared by every app's registry: prom-client
 * starts an event-loop histogram and a GC observer per collection and never stops them, so a
 * collection per app would grow with every app a test suite creates. The values are the process's anyway.
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The module's Prometheus registry and exporter. Status gauges are read from the snapshot of the
 * scrape (`render(snapshot)`, or the latest one when the registry is read directly); durations and
 * failures are recorded as checks settle. A registry of its own, so several apps (or tests) in one
 * process never clash on metric names.
 */
@Injectable()
export class HealthMetrics implements OnModuleDestroy {
  /** The module's metrics, with the process's when `metrics.processMetrics` is on. */
  readonly registry: Registry;
  private readonly subscription: Subscription;
  /** The snapshot of the scrape being rendered; gauges read it synchronously inside registry.metrics(). */
  private scraped?: HealthSnapshot;
  /** A render in progress, shared by the scrapes of the same snapshot that arrive meanwhile. */
  private rendering?: { snapshot: HealthSnapshot; text: Promise<string> };

  constructor(
    private readonly engine: HealthEngine,
    @Inject(HEALTH_CONFIG) config: HealthConfig,
    @Optional() fleet?: HealthFleet,
  ) {
    const snapshot = () => this.scraped ?? engine.current();
    const own = new Registry();
    const register = [own];
    new Gauge({
      name: `${METRIC_PREFIX}component_status`,
      help: 'Status of each component and sub-component: 1 for its current status, 0 for the others.',
      labelNames: ['component', 'status'],
      registers: register,
      collect() {
        this.reset();
        walkComponents(snapshot().components, (path, node) => oneHot(this, { component: path }, node.status));
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}group_status`,
      help: 'Status of each health group (liveness, readiness, startup, custom): 1 for its current status, 0 for the others.',
      labelNames: ['group', 'status'],
      registers: register,
      collect() {
        this.reset();
        for (const [group, result] of Object.entries(snapshot().groups)) oneHot(this, { group }, result.status);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}status`,
      help: 'System status (every component plus liveness and readiness): 1 for the current status, 0 for the others.',
      labelNames: ['status'],
      registers: register,
      collect() {
        this.reset();
        oneHot(this, {}, snapshot().status);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}readiness_mode`,
      help: 'FluxMQ readiness mode: nominal (readiness UP), degraded (ready but not UP), not_ready.',
      labelNames: ['mode'],
      registers: register,
      collect() {
        this.reset();
        const mode = readinessMode(snapshot(), config);
        for (const m of ['nominal', 'degraded', 'not_ready']) this.set({ mode: m }, m === mode ? 1 : 0);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}snapshot_age_seconds`,
      help: 'Seconds since the last complete refresh of every indicator.',
      registers: register,
      collect() {
        this.set(engine.refreshAgeMs() / 1000); // monotonic: a step of the system clock is no age
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}snapshot_stale`,
      help: '1 when no refresh completed within staleAfterMs (every component then reads DOWN).',
      registers: register,
      collect() {
        this.set(snapshot().stale ? 1 : 0);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}draining`,
      help: '1 while the app drains before shutdown (readiness OUT_OF_SERVICE).',
      registers: register,
      collect() {
        this.set(snapshot().draining ? 1 : 0);
      },
    });
    if (fleet) {
      new Gauge({
        name: `${METRIC_PREFIX}fleet_member_status`,
        help: 'Status of each member of the fleet as this node sees it (UNREACHABLE, LEAVING or its own): 1 for its current status, 0 for the others.',
        labelNames: ['node', 'status'],
        registers: register,
        collect() {
          this.reset();
          for (const { node, status } of fleet.current().members)
            for (const each of FLEET_MEMBER_STATUSES) this.set({ node, status: each }, each === status ? 1 : 0);
        },
      });
      new Gauge({
        name: `${METRIC_PREFIX}fleet_status`,
        help: 'The fleet verdict (UP when every member is UP, DOWN when the quorum is lost, else DEGRADED): 1 for the current status, 0 for the others.',
        labelNames: ['status'],
        registers: register,
        collect() {
          this.reset();
          oneHot(this, {}, fleet.current().status);
        },
      });
    }
    const durations = new Histogram({
      name: `${METRIC_PREFIX}check_duration_seconds`,
      help: 'Duration of each indicator check, timeouts included.',
      labelNames: ['component'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: register,
    });
    const failures = new Counter({
      name: `${METRIC_PREFIX}check_failures_total`,
      help: 'Checks that threw, timed out or returned an invalid result.',
      labelNames: ['component'],
      registers: register,
    });
    this.subscription = engine.checks$.subscribe(({ name, durationMs, failed }) => {
      durations.observe({ component: name }, durationMs / 1000);
      if (failed) failures.inc({ component: name });
    });
    this.registry = config.metrics.processMetrics ? Registry.merge([own, processMetrics()]) : own;
  }

  /** Prometheus text for one snapshot: the one the request holds, so a scrape runs no check of its own. */
  render(snapshot: HealthSnapshot = this.engine.current()): Promise<string> {
    if (this.rendering?.snapshot === snapshot) return this.rendering.text;
    this.scraped = snapshot;
    let text: Promise<string>;
    try {
      // prom-client calls every collect() before its first await, so this scrape reads only `snapshot`.
      text = this.registry.metrics();
    } finally {
      this.scraped = undefined;
    }
    const rendering = { snapshot, text };
    this.rendering = rendering;
    const done = () => this.rendering === rendering && (this.rendering = undefined);
    text.then(done, done);
    return text;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }
}

function oneHot(gauge: Gauge<string>, labels: Record<string, string>, current: HealthStatus): void {
  for (const status of HEALTH_STATUSES) gauge.set({ ...labels, status }, status === current ? 1 : 0);
}
