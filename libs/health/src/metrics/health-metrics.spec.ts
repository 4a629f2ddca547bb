import { describe, expect, it } from '@jest/globals';
import { Subject } from 'rxjs';
import type { CompletedCheck, HealthEngine } from '../engine/health-engine.js';
import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import { HEALTH_STATUSES } from '../model/health-status.js';
import { createHealthConfig, type HealthConfig } from '../options/health-config.js';
import { config, degradedMqtt, mqtt, RUNNING, snapshotOf, VIEW_OPTIONS } from '../testing/health-test-kit.js';
import { HealthMetrics } from './health-metrics.js';

/** What the exporter reads of the engine: the latest snapshot and the checks as they settle. */
function exporter(current: HealthSnapshot, healthConfig: HealthConfig = config) {
  const checks = new Subject<CompletedCheck>();
  // The engine measures the age on its monotonic clock; this one reads it off the snapshot's refreshedAt.
  const engine = {
    current: () => current,
    refreshAgeMs: () => Date.now() - current.refreshedAt,
    checks$: checks.asObservable(),
  } as unknown as HealthEngine;
  return { metrics: new HealthMetrics(engine, healthConfig), checks };
}

type Labels = Record<string, string>;

/** The samples of one metric in Prometheus text, each with its labels. */
function samples(text: string, metric: string): { labels: Labels; value: number }[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${metric}{`) || line.startsWith(`${metric} `))
    .map((line) => {
      const labelText = /^[^{ ]+\{(.*)\} /.exec(line)?.[1] ?? '';
      const labels = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]));
      return { labels, value: Number(line.slice(line.lastIndexOf(' ') + 1)) };
    });
}

function sample(text: string, metric: string, labels: Labels = {}): number | undefined {
  return samples(text, metric).find((s) => Object.entries(labels).every(([key, value]) => s.labels[key] === value))?.value;
}

/** For a one-hot gauge: the status whose sample is 1 for these labels, after checking every other status reads 0. */
function hot(text: string, metric: string, labels: Labels): string {
  const rows = samples(text, metric).filter((s) => Object.entries(labels).every(([key, value]) => s.labels[key] === value));
  expect(rows.map((s) => s.labels.status).sort()).toEqual([...HEALTH_STATUSES].sort());
  const ones = rows.filter((s) => s.value === 1);
  expect(ones).toHaveLength(1);
  expect(rows.filter((s) => s.value !== 0 && s.value !== 1)).toEqual([]);
  return ones[0].labels.status;
}

const healthy = () => snapshotOf({ cluster: { status: 'UP' }, mqtt: mqtt() });

describe('HealthMetrics', () => {
  it('sets one status to 1 and the others to 0 for each component and sub-component', async () => {
    const snapshot = snapshotOf({ cluster: { status: 'DOWN', details: { reason: '0/2 peers reachable' } }, mqtt: degradedMqtt });
    const text = await exporter(snapshot).metrics.render(snapshot);
    expect(hot(text, 'mqtt_health_component_status', { component: 'cluster' })).toBe('DOWN');
    expect(hot(text, 'mqtt_health_component_status', { component: 'mqtt' })).toBe('DEGRADED');
    expect(hot(text, 'mqtt_health_component_status', { component: 'mqtt/tcp-listener-1883' })).toBe('UP');
    expect(hot(text, 'mqtt_health_component_status', { component: 'mqtt/tls-tcp-listener-8883' })).toBe('DEGRADED');
    const components = new Set(samples(text, 'mqtt_health_component_status').map((s) => s.labels.component));
    expect([...components].sort()).toEqual(['cluster', 'mqtt', 'mqtt/tcp-listener-1883', 'mqtt/tls-tcp-listener-8883']);
  });

  it('sets one status per group and one for the system, as the snapshot reads them', async () => {
    const snapshot = snapshotOf({ cluster: { status: 'UP' }, mqtt: degradedMqtt });
    const text = await exporter(snapshot).metrics.render(snapshot);
    expect(hot(text, 'mqtt_health_group_status', { group: 'liveness' })).toBe(snapshot.groups.liveness.status);
    expect(hot(text, 'mqtt_health_group_status', { group: 'readiness' })).toBe('DEGRADED_SERVICE');
    expect(new Set(samples(text, 'mqtt_health_group_status').map((s) => s.labels.group))).toEqual(new Set(Object.keys(snapshot.groups)));
    expect(hot(text, 'mqtt_health_status', {})).toBe(snapshot.status);
  });

  it.each([
    ['nominal', healthy()],
    ['degraded', snapshotOf({ cluster: { status: 'UP' }, mqtt: degradedMqtt })],
    ['not_ready', snapshotOf({ cluster: { status: 'DOWN' }, mqtt: mqtt() })],
    ['not_ready', snapshotOf({ cluster: { status: 'UP' }, mqtt: mqtt() }, VIEW_OPTIONS, { started: true, draining: true })],
  ])('exports the readiness mode %s as 1 and the two others as 0', async (mode, snapshot) => {
    const text = await exporter(snapshot).metrics.render(snapshot);
    for (const m of ['nominal', 'degraded', 'not_ready'])
      expect(sample(text, 'mqtt_health_readiness_mode', { mode: m })).toBe(m === mode ? 1 : 0);
  });

  it('says whether the snapshot is stale or draining, and how old its refresh is', async () => {
    const refreshedAt = Date.now() - 30_000;
    const draining = snapshotOf({ cluster: { status: 'UP' }, mqtt: mqtt() }, VIEW_OPTIONS, { started: true, draining: true }, refreshedAt);
    const text = await exporter(draining).metrics.render(draining);
    expect(sample(text, 'mqtt_health_draining')).toBe(1);
    expect(sample(text, 'mqtt_health_snapshot_stale')).toBe(0);
    expect(sample(text, 'mqtt_health_snapshot_age_seconds')).toBeGreaterThanOrEqual(30);
    expect(sample(text, 'mqtt_health_snapshot_age_seconds')).toBeLessThan(3600);

    const stale: HealthSnapshot = { ...healthy(), stale: true };
    const staleText = await exporter(stale).metrics.render(stale);
    expect(sample(staleText, 'mqtt_health_snapshot_stale')).toBe(1);
    expect(sample(staleText, 'mqtt_health_draining')).toBe(0);
  });

  it('renders the snapshot it is given, and the engine’s latest one when given none', async () => {
    const latest = healthy();
    const requested = snapshotOf({ cluster: { status: 'DOWN' }, mqtt: mqtt() });
    const { metrics } = exporter(latest);
    expect(hot(await metrics.render(requested), 'mqtt_health_component_status', { component: 'cluster' })).toBe('DOWN');
    expect(hot(await metrics.render(), 'mqtt_health_component_status', { component: 'cluster' })).toBe('UP');
    // Reading the registry outside a scrape falls back to the engine's latest snapshot too.
    expect(hot(await metrics.registry.metrics(), 'mqtt_health_component_status', { component: 'cluster' })).toBe('UP');
  });

  it('shares one render between scrapes of the same snapshot while it runs, and starts a new one for another snapshot', async () => {
    const first = healthy();
    const second = snapshotOf({ cluster: { status: 'DOWN' }, mqtt: mqtt() });
    const { metrics } = exporter(first);
    const a = metrics.render(first);
    expect(metrics.render(first)).toBe(a);
    const b = metrics.render(second);
    expect(b).not.toBe(a);
    expect(hot(await a, 'mqtt_health_component_status', { component: 'cluster' })).toBe('UP');
    expect(hot(await b, 'mqtt_health_component_status', { component: 'cluster' })).toBe('DOWN');
    // Once settled, a scrape of the same snapshot renders again.
    expect(metrics.render(second)).not.toBe(b);
  });

  it('records check durations and failures as the engine reports settled checks', async () => {
    const snapshot = healthy();
    const { metrics, checks } = exporter(snapshot);
    checks.next({ name: 'storage', durationMs: 20, failed: true });
    checks.next({ name: 'storage', durationMs: 3, failed: false });
    checks.next({ name: 'cluster', durationMs: 600, failed: false });
    const text = await metrics.render(snapshot);
    expect(sample(text, 'mqtt_health_check_failures_total', { component: 'storage' })).toBe(1);
    expect(sample(text, 'mqtt_health_check_failures_total', { component: 'cluster' })).toBeUndefined();
    expect(sample(text, 'mqtt_health_check_duration_seconds_count', { component: 'storage' })).toBe(2);
    expect(sample(text, 'mqtt_health_check_duration_seconds_sum', { component: 'storage' })).toBeCloseTo(0.023, 6);
    expect(sample(text, 'mqtt_health_check_duration_seconds_bucket', { component: 'storage', le: '0.005' })).toBe(1);
    expect(sample(text, 'mqtt_health_check_duration_seconds_bucket', { component: 'storage', le: '0.025' })).toBe(2);
    expect(sample(text, 'mqtt_health_check_duration_seconds_bucket', { component: 'cluster', le: '0.5' })).toBe(0);
    expect(sample(text, 'mqtt_health_check_duration_seconds_bucket', { component: 'cluster', le: '1' })).toBe(1);
  });

  it('stops recording checks once the module is destroyed', async () => {
    const snapshot = healthy();
    const { metrics, checks } = exporter(snapshot);
    metrics.onModuleDestroy();
    expect(checks.observed).toBe(false);
    checks.next({ name: 'storage', durationMs: 20, failed: true });
    expect(sample(await metrics.render(snapshot), 'mqtt_health_check_failures_total', { component: 'storage' })).toBeUndefined();
  });

  it('answers in the Prometheus text format, with process metrics only when asked', async () => {
    const snapshot = healthy();
    const plain = exporter(snapshot).metrics;
    expect(plain.contentType).toMatch(/^text\/plain; version=0\.0\.4; charset=utf-8$/);
    expect(await plain.render(snapshot)).not.toContain('process_cpu_user_seconds_total');
    const withProcess = exporter(snapshot, createHealthConfig({ ...VIEW_OPTIONS, metrics: { processMetrics: true } })).metrics;
    expect(await withProcess.render(snapshot)).toContain('process_cpu_user_seconds_total');
  });

  it('collects process metrics once per process, however many apps ask (each collection starts timers that never stop)', async () => {
    const config = createHealthConfig({ ...VIEW_OPTIONS, metrics: { processMetrics: true } });
    const [first, second] = [exporter(healthy(), config).metrics, exporter(healthy(), config).metrics];
    const lag = (m: typeof first) => m.registry.getSingleMetric('nodejs_eventloop_lag_seconds');
    expect(lag(first)).toBeDefined();
    expect(lag(second)).toBe(lag(first));
    expect(second.registry.getSingleMetric('mqtt_health_component_status')).not.toBe(
      first.registry.getSingleMetric('mqtt_health_component_status'),
    );
    expect(await second.render()).toContain('mqtt_health_component_status');
  });

  it('keeps each exporter’s metrics in its own registry', async () => {
    const up = exporter(healthy()).metrics;
    const down = exporter(snapshotOf({ cluster: { status: 'DOWN' }, mqtt: mqtt() }, VIEW_OPTIONS, RUNNING)).metrics;
    expect(up.registry).not.toBe(down.registry);
    expect(hot(await up.render(), 'mqtt_health_component_status', { component: 'cluster' })).toBe('UP');
    expect(hot(await down.render(), 'mqtt_health_component_status', { component: 'cluster' })).toBe('DOWN');
  });
});
