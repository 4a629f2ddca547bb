import { describe, expect, it } from '@jest/globals';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { HealthLifecycle } from '../model/health-snapshot.interface.js';
import { createHealthConfig, type HealthConfig } from '../options/health-config.js';
import type { HealthModuleOptions } from '../options/health-options.interface.js';
import { body, everyGroupBuilder, renderAt, result, RUNNING, snapshotOf } from '../testing/health-test-kit.js';
import { KUBERNETES_VIEW } from './kubernetes.view.js';

const OPTIONS: HealthModuleOptions = {
  groups: { liveness: { members: ['broker'] }, readiness: { members: ['storage', 'cluster'] } },
};
const store = { status: 'UP', details: { 'network-dependency': false } } as const;
const starting = { status: 'UNKNOWN', details: { reason: 'starting' } } as const;
const NOT_STARTED: HealthLifecycle = { started: false, draining: false };
const DRAINING: HealthLifecycle = { started: true, draining: true };

function get(path: string, components: Record<string, HealthComponent>, lifecycle: HealthLifecycle = RUNNING, config?: HealthConfig) {
  const [route, query] = path.split('?');
  return renderAt(KUBERNETES_VIEW, route, snapshotOf(components, OPTIONS, lifecycle), { query, config })!;
}

describe('kubernetes /healthz and /livez', () => {
  it('answer ok from liveness, and failed with 503 when a member fails', () => {
    for (const path of ['healthz', 'livez']) {
      expect(get(path, { broker: { status: 'UP' } })).toMatchObject({ statusCode: 200, body: '{"status":"ok"}' });
      expect(get(path, { broker: { status: 'DOWN', details: { reason: 'closed' } } })).toMatchObject({
        statusCode: 503,
        body: '{"status":"failed"}',
      });
    }
  });

  it('report each check in text with ?verbose, never a reason', () => {
    const response = get('livez?verbose', { broker: { status: 'DOWN', details: { reason: 'closed' } } });
    expect(response.statusCode).toBe(503);
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.body).toBe('[+]ping ok\n[-]broker failed: reason withheld\nlivez check failed\n');
  });

  it('say how much of a grace window is left', () => {
    const builder = everyGroupBuilder({ groups: { liveness: { members: ['broker'], graceMs: 1000 } } });
    builder.build([result('broker', { status: 'UP' })], 0, 0, RUNNING);
    const { snapshot } = builder.build([result('broker', { status: 'DOWN' })], 100, 100, RUNNING);
    expect(renderAt(KUBERNETES_VIEW, 'livez', snapshot, { query: 'verbose' })!.body).toBe(
      '[+]ping ok\n[+]broker ok (within its grace window, 1000 ms left)\nlivez check passed\n',
    );
  });

  it('pass when the failing checks are excluded, and warn about names that match nothing, escaped', () => {
    const failing = { broker: { status: 'DOWN' } } as const;
    expect(get('healthz?exclude=broker', failing).statusCode).toBe(200);
    expect(get('livez?verbose&exclude=broker,nothing', failing).body).toBe(
      '[+]ping ok\n[+]broker excluded: ok\nwarn: some health checks cannot be excluded: no matches for "nothing"\nlivez check passed\n',
    );
    expect(get('livez?verbose&exclude=%0A%5B%2B%5Dfake%20ok', failing).body).toContain('no matches for "\\n[+]fake ok"');
  });
});

describe('kubernetes /readyz', () => {
  it('lists the dependencies and answers ready', () => {
    const response = get('readyz', { storage: store, cluster: { status: 'UP' } });
    expect(response.statusCode).toBe(200);
    expect(body(response)).toEqual({ status: 'ready', checks: { storage: 'ok' } });
  });

  it('names a failing member, dependency or not, with 503', () => {
    const response = get('readyz', { storage: store, cluster: { status: 'DOWN', details: { reason: 'lost' } } });
    expect(response.statusCode).toBe(503);
    expect(body(response)).toEqual({ status: 'not_ready', checks: { storage: 'ok', cluster: 'unavailable' } });
    expect(get('readyz?verbose', { storage: store, cluster: { status: 'DOWN' } }).body).toBe(
      '[+]storage ok\n[-]cluster failed: reason withheld\nreadyz check failed\n',
    );
  });

  it('fails startup before start-up completes, keeping it out of the body', () => {
    const response = get('readyz', { storage: store }, NOT_STARTED);
    expect(response.statusCode).toBe(503);
    expect(body(response)).toEqual({ status: 'not_ready', checks: { storage: 'ok' } });
    expect(get('readyz?verbose', { storage: store }, NOT_STARTED).body).toBe(
      '[+]storage ok\n[-]startup failed: reason withheld\nreadyz check failed\n',
    );
  });

  it('fails startup while a member is still starting after start-up, and lists that member as failing', () => {
    expect(get('readyz?verbose', { storage: store, cluster: starting }).body).toBe(
      '[+]storage ok\n[-]cluster failed: reason withheld\n[-]startup failed: reason withheld\nreadyz check failed\n',
    );
    expect(body(get('readyz', { storage: { status: 'UNKNOWN', details: { reason: 'starting', 'network-dependency': true } } }))).toEqual({
      status: 'not_ready',
      checks: { storage: 'unavailable' },
    });
  });

  it('lists a Redis-backed cluster while healthy, never an in-process one', () => {
    const cluster = (mode: boolean) => ({ status: 'UP', details: { 'cluster-mode': mode, 'node-id': 'n1' } }) as const;
    expect(body(get('readyz', { storage: store, cluster: cluster(true) }))).toEqual({
      status: 'ready',
      checks: { storage: 'ok', cluster: 'ok' },
    });
    expect(body(get('readyz', { storage: store, cluster: cluster(false) }))).toEqual({ status: 'ready', checks: { storage: 'ok' } });
  });

  it('fails shutdown while draining, even before start-up completed, and passes with it excluded', () => {
    const response = get('readyz', { storage: store }, DRAINING);
    expect(response.statusCode).toBe(503);
    expect(body(response)).toEqual({ status: 'not_ready', draining: true });
    const report = '[+]storage ok\n[-]shutdown failed: reason withheld\nreadyz check failed\n';
    expect(get('readyz?verbose', { storage: store }, DRAINING).body).toBe(report);
    const excluded = get('readyz?exclude=shutdown', { storage: store }, DRAINING);
    expect(excluded.statusCode).toBe(200);
    expect(body(excluded)).toEqual({ status: 'ready', checks: { storage: 'ok' } });
  });

  it('fails both startup and shutdown when a drain begins before start-up completed: excluding one never passes a node that has not started', () => {
    const leaving = { started: false, draining: true };
    expect(get('readyz?verbose', { storage: store }, leaving).body).toBe(
      '[+]storage ok\n[-]startup failed: reason withheld\n[-]shutdown failed: reason withheld\nreadyz check failed\n',
    );
    expect(get('readyz?exclude=shutdown', { storage: store }, leaving).statusCode).toBe(503);
    expect(get('readyz?exclude=startup', { storage: store }, leaving).statusCode).toBe(503);
    expect(get('readyz?exclude=startup,shutdown', { storage: store }, leaving).statusCode).toBe(200);
    expect(body(get('readyz', { storage: store }, leaving))).toEqual({ status: 'not_ready', draining: true });
  });

  it('fails with the code of the configured HTTP map', () => {
    const custom = createHealthConfig({ ...OPTIONS, httpStatus: { OUT_OF_SERVICE: 500 } });
    expect(get('readyz', { storage: store, cluster: { status: 'DOWN' } }, RUNNING, custom).statusCode).toBe(500);
  });
});
