import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { HealthStatus } from 'nestjs-mqtt-health';
import { bootProbeApp, state, type ProbeApp } from './probe-app.js';

let probe: ProbeApp | undefined;
afterEach(async () => {
  await probe?.app.close();
  probe = undefined;
});

async function refreshed(change: () => void): Promise<void> {
  change();
  await probe!.health.refresh();
}

describe('fluxmq view', () => {
  it('answers healthy, nominal ready and cluster status', async () => {
    probe = await bootProbeApp();
    const health = await request(probe.url).get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'healthy' });
    const ready = await request(probe.url).get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ready',
      mode: 'nominal',
      checks: { broker: { status: 'up' }, cluster: { status: 'up' }, mqtt: { status: 'up' }, storage: { status: 'up' } },
    });
    const cluster = await request(probe.url).get('/cluster/status');
    expect(cluster.status).toBe(200);
    expect(cluster.body).toEqual({ node_id: 'node-1', is_leader: true, cluster_mode: true, sessions: 3 });
  });

  it('reports degraded mode with the peer count, still 200', async () => {
    probe = await bootProbeApp();
    await refreshed(
      () => (state.cluster = { status: HealthStatus.DEGRADED, details: { reason: '1/2 peers reachable', 'node-id': 'node-1' } }),
    );
    const ready = await request(probe.url).get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.mode).toBe('degraded');
    expect(ready.body.checks.cluster).toEqual({ status: 'up', details: '1/2 peers reachable' });
  });

  it('answers 503 not_ready naming the failed check', async () => {
    probe = await bootProbeApp();
    await refreshed(() => (state.storage = { status: HealthStatus.DOWN, details: { reason: 'badger: closed' } }));
    const ready = await request(probe.url).get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({
      status: 'not_ready',
      details: 'storage unavailable',
      checks: {
        broker: { status: 'up' },
        cluster: { status: 'up' },
        mqtt: { status: 'up' },
        storage: { status: 'down', details: 'badger: closed' },
      },
    });
    expect((await request(probe.url).get('/health')).status).toBe(200);
  });

  it('omits the cluster check in single-node mode', async () => {
    probe = await bootProbeApp();
    await refreshed(() => (state.cluster = null));
    const ready = await request(probe.url).get('/ready');
    // Root cause order: broker, storage, cluster, listeners.
    expect(Object.keys(ready.body.checks)).toEqual(['broker', 'storage', 'mqtt']);
    const cluster = await request(probe.url).get('/cluster/status');
    expect(cluster.body).toEqual({ node_id: 'single-node', is_leader: false, cluster_mode: false, sessions: 3 });
  });

  it('keeps error text out of the body when details are hidden', async () => {
    probe = await bootProbeApp({ showDetails: 'never' });
    await refreshed(() => (state.storage = { status: HealthStatus.DOWN, details: { reason: 'secret host 10.0.0.7 refused' } }));
    const ready = await request(probe.url).get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.text).not.toContain('secret');
    expect(ready.body.checks.storage).toEqual({ status: 'down' });
  });
});

describe('kubernetes view', () => {
  it('answers ok and ready, listing only network dependencies', async () => {
    probe = await bootProbeApp();
    for (const path of ['/healthz', '/livez']) {
      const res = await request(probe.url).get(path);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
    }
    const ready = await request(probe.url).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { storage: 'ok' } });
  });

  it('stays ready while degraded', async () => {
    probe = await bootProbeApp();
    await refreshed(() => (state.cluster = { status: HealthStatus.DEGRADED, details: { reason: '1/2 peers reachable' } }));
    const ready = await request(probe.url).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { storage: 'ok' } });
  });

  it('marks a failed dependency unavailable without its error text', async () => {
    probe = await bootProbeApp();
    await refreshed(
      () => (state.storage = { status: HealthStatus.DOWN, details: { reason: 'ECONNREFUSED 127.0.0.1:6379', 'network-dependency': true } }),
    );
    const ready = await request(probe.url).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'not_ready', checks: { storage: 'unavailable' } });
    expect(ready.text).not.toContain('ECONNREFUSED');
    expect((await request(probe.url).get('/healthz')).status).toBe(200);
  });

  it('names a failing local member too, so a 503 always has a cause', async () => {
    probe = await bootProbeApp();
    await refreshed(() => (state.mqtt = { status: HealthStatus.DOWN }));
    const ready = await request(probe.url).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'not_ready', checks: { mqtt: 'unavailable', storage: 'ok' } });
  });

  it('follows a custom readiness mapping, with or without ?exclude, and names the member it counts as failing', async () => {
    probe = await bootProbeApp({ groups: { readiness: { mapping: { DEGRADED: 'OUT_OF_SERVICE', DOWN: 'OUT_OF_SERVICE' } } } });
    await refreshed(() => (state.cluster = { status: HealthStatus.DEGRADED, details: { reason: '1/2 peers reachable' } }));
    const ready = await request(probe.url).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'not_ready', checks: { cluster: 'unavailable', storage: 'ok' } });
    expect((await request(probe.url).get('/readyz?exclude=nothing')).status).toBe(503);
    expect((await request(probe.url).get('/readyz?exclude=cluster')).status).toBe(200);
    const flux = await request(probe.url).get('/ready');
    expect(flux.status).toBe(503);
    expect(flux.body.details).toBe('cluster unavailable');
  });

  it('supports ?verbose and ?exclude like the API server', async () => {
    probe = await bootProbeApp();
    await refreshed(() => (state.storage = { status: HealthStatus.DOWN, details: { reason: 'refused', 'network-dependency': true } }));
    const verbose = await request(probe.url).get('/readyz?verbose');
    expect(verbose.status).toBe(503);
    expect(verbose.headers['content-type']).toMatch(/^text\/plain/);
    expect(verbose.text).toBe('[-]storage failed: reason withheld\nreadyz check failed\n');
    const excluded = await request(probe.url).get('/readyz?verbose&exclude=storage&exclude=nothing');
    expect(excluded.status).toBe(200);
    expect(excluded.text).toBe(
      '[+]storage excluded: ok\nwarn: some health checks cannot be excluded: no matches for "nothing"\nreadyz check passed\n',
    );
    const live = await request(probe.url).get('/livez?verbose');
    expect(live.text).toBe('[+]ping ok\nlivez check passed\n');
  });
});

describe('zeebe view', () => {
  it('answers 204 without a body when healthy', async () => {
    probe = await bootProbeApp({}, ['zeebe']);
    for (const path of ['/startup', '/ready', '/health']) {
      const res = await request(probe.url).get(path);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
    }
  });

  it('keeps ready once reached while health flips back and forth', async () => {
    probe = await bootProbeApp({}, ['zeebe']);
    await refreshed(() => (state.storage = { status: HealthStatus.DOWN }));
    expect((await request(probe.url).get('/ready')).status).toBe(204);
    expect((await request(probe.url).get('/health')).status).toBe(503);
    await refreshed(() => (state.storage = { status: HealthStatus.UP }));
    expect((await request(probe.url).get('/health')).status).toBe(204);
  });

  it('is never ready before start-up completes', async () => {
    probe = await bootProbeApp({ startup: 'manual' }, ['zeebe']);
    expect((await request(probe.url).get('/startup')).status).toBe(503);
    expect((await request(probe.url).get('/ready')).status).toBe(503);
    expect((await request(probe.url).get('/health')).status).toBe(503);
    await probe.health.markStartupComplete();
    expect((await request(probe.url).get('/startup')).status).toBe(204);
    expect((await request(probe.url).get('/ready')).status).toBe(204);
  });
});

describe('hivemq view on the dedicated listener', () => {
  it('serves the tree under /api/v1/health with a DEGRADED_SERVICE readiness', async () => {
    probe = await bootProbeApp();
    await refreshed(() => (state.cluster = { status: HealthStatus.DEGRADED }));
    const readiness = await request(probe.url).get('/api/v1/health/readiness');
    expect(readiness.status).toBe(200);
    expect(readiness.body.status).toBe('DEGRADED_SERVICE');
    const listener = await request(probe.url).get('/api/v1/health/mqtt/tcp-listener-1883');
    expect(listener.body).toEqual({ status: 'UP' });
    await refreshed(() => (state.mqtt = { status: HealthStatus.DOWN }));
    const down = await request(probe.url).get('/api/v1/health/readiness');
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('OUT_OF_SERVICE');
  });
});
