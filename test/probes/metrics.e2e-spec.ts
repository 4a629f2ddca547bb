import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { HealthStatus } from 'nestjs-mqtt-health';
import { bootProbeApp, checkCalls, state, type ProbeApp } from './probe-app.js';

let probe: ProbeApp | undefined;
afterEach(async () => {
  await probe?.app.close();
  probe = undefined;
});

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics view', () => {
  it('exports statuses, the readiness mode, durations, failures and the snapshot age in Prometheus text', async () => {
    probe = await bootProbeApp({}, ['kubernetes', 'metrics']);
    let res = await request(probe.url).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(res.text, 'mqtt_health_component_status{component="storage",status="UP"}')).toBe(1);
    expect(sample(res.text, 'mqtt_health_component_status{component="storage",status="DOWN"}')).toBe(0);
    expect(sample(res.text, 'mqtt_health_component_status{component="mqtt/tcp-listener-1883",status="UP"}')).toBe(1);
    expect(sample(res.text, 'mqtt_health_group_status{group="readiness",status="UP"}')).toBe(1);
    expect(sample(res.text, 'mqtt_health_readiness_mode{mode="nominal"}')).toBe(1);
    expect(sample(res.text, 'mqtt_health_snapshot_stale')).toBe(0);
    expect(sample(res.text, 'mqtt_health_snapshot_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(res.text, 'mqtt_health_check_duration_seconds_count{component="storage"}')).toBeGreaterThanOrEqual(1);

    state.cluster = { status: HealthStatus.DEGRADED, details: { reason: '1/2 peers reachable' } };
    state.storage = { status: HealthStatus.UP };
    await probe.health.refresh();
    res = await request(probe.url).get('/metrics');
    expect(sample(res.text, 'mqtt_health_readiness_mode{mode="degraded"}')).toBe(1);
    expect(sample(res.text, 'mqtt_health_readiness_mode{mode="nominal"}')).toBe(0);
    expect(sample(res.text, 'mqtt_health_group_status{group="readiness",status="DEGRADED_SERVICE"}')).toBe(1);

    state.broker = new Error('broker gone');
    await probe.health.refresh();
    res = await request(probe.url).get('/metrics');
    expect(sample(res.text, 'mqtt_health_check_failures_total{component="broker"}')).toBe(1);
    expect(sample(res.text, 'mqtt_health_readiness_mode{mode="not_ready"}')).toBe(1);
  });

  it('answers scrapes of one snapshot within a second with one render, and a new snapshot with a new one', async () => {
    probe = await bootProbeApp({ refreshIntervalMs: 60_000 }, ['metrics']);
    const first = await request(probe.url).get('/metrics');
    const again = await Promise.all([1, 2, 3].map(() => request(probe!.url).get('/metrics')));
    // The snapshot's age is computed at render time: equal text means one render served them all.
    for (const res of again)
      expect(sample(res.text, 'mqtt_health_snapshot_age_seconds')).toBe(sample(first.text, 'mqtt_health_snapshot_age_seconds'));
    state.storage = new Error('disk gone');
    await probe.health.refresh();
    const fresh = await request(probe.url).get('/metrics');
    expect(sample(fresh.text, 'mqtt_health_component_status{component="storage",status="DOWN"}')).toBe(1);
  });

  it('runs each indicator once per scrape in on-request mode: the exporter reads the snapshot of its request', async () => {
    probe = await bootProbeApp({ checkMode: 'on-request' }, ['metrics']);
    for (const name of Object.keys(checkCalls)) checkCalls[name] = 0;
    const res = await request(probe.url).get('/metrics');
    expect(res.status).toBe(200);
    expect(sample(res.text, 'mqtt_health_component_status{component="storage",status="UP"}')).toBe(1);
    expect(checkCalls).toEqual({ broker: 1, storage: 1, cluster: 1, mqtt: 1 });

    // The gauges show the scrape's own snapshot: a change made before the scrape is in it.
    state.storage = { status: HealthStatus.DOWN, details: { reason: 'closed' } };
    const after = await request(probe.url).get('/metrics');
    expect(sample(after.text, 'mqtt_health_component_status{component="storage",status="DOWN"}')).toBe(1);
    expect(checkCalls).toEqual({ broker: 2, storage: 2, cluster: 2, mqtt: 2 });
  });

  it('adds process metrics only when asked', async () => {
    probe = await bootProbeApp({ metrics: { processMetrics: true } }, ['metrics']);
    const res = await request(probe.url).get('/metrics');
    expect(res.text).toContain('process_resident_memory_bytes');
    await probe.app.close();
    probe = await bootProbeApp({}, ['metrics']);
    expect((await request(probe.url).get('/metrics')).text).not.toContain('process_resident_memory_bytes');
  });
});
