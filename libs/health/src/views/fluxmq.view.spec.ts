import { describe, expect, it } from '@jest/globals';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { HealthLifecycle } from '../model/health-snapshot.interface.js';
import { body, degradedMqtt, mqtt, renderAt, RUNNING, snapshotOf, VIEW_OPTIONS } from '../testing/health-test-kit.js';
import { FLUXMQ_VIEW } from './fluxmq.view.js';

const get = (path: string, components: Record<string, HealthComponent>, lifecycle: HealthLifecycle = RUNNING, showDetails = true) =>
  renderAt(FLUXMQ_VIEW, path, snapshotOf(components, VIEW_OPTIONS, lifecycle), { showDetails })!;

const storeDown = { status: 'DOWN', details: { reason: 'storage unavailable', error: 'badger: closed' } } as const;

describe('fluxmq /health', () => {
  it('answers healthy from liveness, whatever readiness says', () => {
    const response = get('health', { cluster: storeDown }, { started: false, draining: true });
    expect(response.statusCode).toBe(200);
    expect(body(response)).toEqual({ status: 'healthy' });
  });

  it('answers unhealthy with the code of a failing liveness', () => {
    const options = { groups: { liveness: { members: ['broker'] } } };
    const response = renderAt(FLUXMQ_VIEW, 'health', snapshotOf({ broker: { status: 'DOWN' } }, options))!;
    expect(response.statusCode).toBe(503);
    expect(body(response)).toEqual({ status: 'unhealthy' });
  });
});

describe('fluxmq /ready', () => {
  it('answers ready, nominal, with each member up and its reason', () => {
    const response = get('ready', { cluster: { status: 'UP', details: { reason: '2/2 peers reachable' } }, mqtt: mqtt() });
    expect(response.statusCode).toBe(200);
    expect(body(response)).toEqual({
      status: 'ready',
      mode: 'nominal',
      checks: { cluster: { status: 'up', details: '2/2 peers reachable' }, mqtt: { status: 'up' } },
    });
  });

  it('answers ready, degraded, when readiness passes but is not UP; a silent member speaks through its sub-component', () => {
    const response = get('ready', { cluster: { status: 'UP' }, mqtt: degradedMqtt });
    expect(response.statusCode).toBe(200);
    expect(body(response)).toMatchObject({ status: 'ready', mode: 'degraded', checks: { mqtt: { status: 'up' } } });
    expect(body(response).checks.mqtt.details).toMatch(/^tls-tcp-listener-8883: com\.hivemq\.security\.exception\.SslException/);
  });

  it('answers not_ready naming the first failing member, with its raw error', () => {
    const response = get('ready', { cluster: storeDown, mqtt: mqtt() });
    expect(response.statusCode).toBe(503);
    expect(body(response)).toEqual({
      status: 'not_ready',
      details: 'cluster unavailable',
      checks: { cluster: { status: 'down', details: 'badger: closed' }, mqtt: { status: 'up' } },
    });
  });

  it('hides every check detail when details are hidden', () => {
    const response = get('ready', { cluster: storeDown, mqtt: mqtt() }, RUNNING, false);
    expect(body(response).checks).toEqual({ cluster: { status: 'down' }, mqtt: { status: 'up' } });
  });

  it('says starting before start-up completes and while a member is still starting', () => {
    expect(body(get('ready', { cluster: { status: 'UP' } }, { started: false, draining: false }))).toMatchObject({
      status: 'not_ready',
      details: 'starting',
    });
    const starting = { status: 'UNKNOWN', details: { reason: 'starting' } } as const;
    const response = get('ready', { cluster: starting, mqtt: mqtt() });
    expect(response.statusCode).toBe(503);
    expect(body(response)).toMatchObject({ status: 'not_ready', details: 'starting' });
  });

  const FULL = { groups: { readiness: { members: ['mqtt', 'cluster', 'storage', 'broker'] } } };
  const full = (components: Record<string, HealthComponent>, lifecycle: HealthLifecycle = RUNNING) =>
    renderAt(FLUXMQ_VIEW, 'ready', snapshotOf(components, FULL, lifecycle), { showDetails: true })!;

  it('names the root cause, not the first failing member in the group order: storage before the cluster that follows', () => {
    const cut = { status: 'DOWN', details: { reason: 'cut off from the cluster' } } as const;
    const response = full({ mqtt: mqtt(), cluster: cut, storage: storeDown, broker: { status: 'UP' } });
    expect(body(response)).toEqual({
      status: 'not_ready',
      details: 'storage unavailable',
      checks: {
        broker: { status: 'up' },
        storage: { status: 'down', details: 'badger: closed' },
        cluster: { status: 'down', details: 'cut off from the cluster' },
        mqtt: { status: 'up' },
      },
    });
    expect(Object.keys(body(response).checks)).toEqual(['broker', 'storage', 'cluster', 'mqtt']);
  });

  it('reads a member not started yet as down, never up, and names a member failing at start as the cause', () => {
    const starting = { status: 'UNKNOWN', details: { reason: 'starting' } } as const;
    const waiting = {
      status: 'DOWN',
      details: { reason: 'storage unavailable', error: 'redis unreachable: connect ECONNREFUSED' },
    } as const;
    const response = full(
      { broker: starting, storage: waiting, cluster: starting, mqtt: mqtt(starting) },
      { started: false, draining: false },
    );
    expect(response.statusCode).toBe(503);
    expect(body(response)).toEqual({
      status: 'not_ready',
      details: 'storage unavailable',
      checks: {
        broker: { status: 'down', details: 'starting' },
        storage: { status: 'down', details: 'redis unreachable: connect ECONNREFUSED' },
        cluster: { status: 'down', details: 'starting' },
        mqtt: { status: 'down', details: 'starting' },
      },
    });
    // Nothing fails of its own: the phase.
    const healthy = full(
      { broker: { status: 'UP' }, storage: { status: 'UP' }, mqtt: mqtt(starting) },
      { started: false, draining: false },
    );
    expect(body(healthy)).toMatchObject({ details: 'starting', checks: { broker: { status: 'up' }, mqtt: { status: 'down' } } });
  });

  it('omits the cluster check of a single node (cluster-mode false)', () => {
    const single = { status: 'UP', details: { 'cluster-mode': false, 'cluster-size': 1 } } as const;
    expect(body(full({ broker: { status: 'UP' }, storage: { status: 'UP' }, cluster: single }))).toEqual({
      status: 'ready',
      mode: 'nominal',
      checks: { broker: { status: 'up' }, storage: { status: 'up' } },
    });
  });

  it('says draining while shutting down, before any member failure', () => {
    const response = get('ready', { cluster: storeDown }, { started: true, draining: true });
    expect(response.statusCode).toBe(503);
    expect(body(response)).toMatchObject({ status: 'not_ready', details: 'draining' });
  });
});

describe('fluxmq /cluster/status', () => {
  const components = {
    cluster: { status: 'UP', details: { 'node-id': 'node-2', 'is-leader': true } },
    broker: { status: 'UP', details: { 'node-id': 'node-2', 'connected-clients': 7 } },
  } as const;

  it('answers 200 with the node, leadership and sessions from the details', () => {
    const response = get('cluster/status', components, { started: false, draining: true });
    expect(response.statusCode).toBe(200);
    expect(body(response)).toEqual({ node_id: 'node-2', is_leader: true, cluster_mode: true, sessions: 7 });
  });

  it('answers node_id single-node, no leader, when the cluster component says clustering is off; sessions from the broker', () => {
    const single = {
      cluster: { status: 'UP', details: { 'cluster-mode': false, 'node-id': 'n1', 'is-leader': true } },
      broker: { status: 'UP', details: { 'node-id': 'n1', 'connected-clients': 1, sessions: 3 } },
    } as const;
    expect(body(get('cluster/status', single))).toEqual({ node_id: 'single-node', is_leader: false, cluster_mode: false, sessions: 3 });
    expect(body(get('cluster/status', single, RUNNING, false))).toEqual({ cluster_mode: false });
    const clustered = {
      ...components,
      cluster: { status: 'UP', details: { 'cluster-mode': true, 'node-id': 'node-2', 'is-leader': false } },
    } as const;
    expect(body(get('cluster/status', clustered))).toEqual({ node_id: 'node-2', is_leader: false, cluster_mode: true, sessions: 7 });
  });

  it('answers only whether it runs as a cluster when details are hidden, single-node without a cluster', () => {
    expect(body(get('cluster/status', components, RUNNING, false))).toEqual({ cluster_mode: true });
    expect(body(get('cluster/status', { broker: { status: 'UP' } }))).toEqual({
      node_id: 'single-node',
      is_leader: false,
      cluster_mode: false,
      sessions: 0,
    });
  });
});
