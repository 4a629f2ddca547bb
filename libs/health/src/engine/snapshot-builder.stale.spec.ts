import { describe, expect, it } from '@jest/globals';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { HealthGroupOptions } from '../options/health-options.interface.js';
import { builderFor, mqtt, result, RUNNING } from '../testing/health-test-kit.js';

function everyNode(
  components: Readonly<Record<string, HealthComponent>>,
  visit: (path: string, node: HealthComponent) => void,
  prefix = '',
): void {
  for (const [name, node] of Object.entries(components)) {
    visit(prefix + name, node);
    everyNode(node.components ?? {}, visit, `${prefix}${name}/`);
  }
}

describe('SnapshotBuilder.stale', () => {
  const REFRESHED_AT = Date.UTC(2026, 0, 2, 3, 4, 5);
  const NOW = REFRESHED_AT + 60_000;
  const REASON = 'stale: no health refresh completed since 2026-01-02T03:04:05.000Z';

  function fresh(groups: Record<string, HealthGroupOptions> = { readiness: { members: ['mqtt', 'cluster'] } }) {
    const builder = builderFor(groups);
    const results = [result('mqtt', mqtt()), result('cluster', { status: 'UP', details: { nodes: 3 } })];
    const { snapshot } = builder.build(results, REFRESHED_AT, REFRESHED_AT, RUNNING);
    return { builder, results, snapshot };
  }

  it('marks every top-level component DOWN with a reason, keeping its other details', () => {
    const { builder, snapshot } = fresh();
    const stale = builder.stale(snapshot, NOW);
    expect(stale).toMatchObject({ at: NOW, refreshedAt: REFRESHED_AT, stale: true, status: 'DOWN' });
    expect(stale.components.cluster).toEqual({ status: 'DOWN', details: { nodes: 3, reason: REASON } });
    expect(stale.components.mqtt.status).toBe('DOWN');
    expect(stale.components.mqtt.details).toEqual({ listeners: 2, reason: REASON });
    expect(stale.groups.readiness.status).toBe('OUT_OF_SERVICE');
    expect(stale.groups.liveness.status).toBe('UP');
    expect(stale.checks).toBe(snapshot.checks);
  });

  it('marks every node of the tree DOWN, sub-components included', () => {
    const { builder, snapshot } = fresh();
    const stale = builder.stale(snapshot, NOW);
    const notDown: string[] = [];
    everyNode(stale.components, (path, node) => {
      if (node.status !== 'DOWN') notDown.push(`${path}=${node.status}`);
    });
    expect(notDown).toEqual([]);
  });

  it('does not let a group whose member is a sub-component pass on stale results', () => {
    const { builder, snapshot } = fresh({ readiness: { members: ['mqtt/tcp-listener-1883'] } });
    expect(snapshot.groups.readiness.status).toBe('UP');
    expect(builder.stale(snapshot, NOW).groups.readiness.status).toBe('OUT_OF_SERVICE');
  });

  it('leaves the fresh snapshot untouched and freezes the stale one', () => {
    const { builder, snapshot } = fresh();
    const stale = builder.stale(snapshot, NOW);
    expect(snapshot).toMatchObject({ stale: false, status: 'UP' });
    expect(snapshot.components.cluster).toEqual({ status: 'UP', details: { nodes: 3 } });
    expect(Object.isFrozen(stale)).toBe(true);
    expect(Object.isFrozen(stale.components.cluster)).toBe(true);
    expect(Object.isFrozen(stale.components.cluster.details)).toBe(true);
    expect(Object.isFrozen(stale.groups.readiness)).toBe(true);
  });

  it('changes no tracked state: the next build reports no transition', () => {
    const { builder, results, snapshot } = fresh();
    builder.stale(snapshot, NOW);
    builder.stale(snapshot, NOW + 1);
    expect(builder.build(results, NOW + 2, NOW + 2, RUNNING).transitions).toEqual([]);
  });

  it('keeps the since of each status: a grace window that started before is not restarted', () => {
    const builder = builderFor({ readiness: { members: ['mqtt'], graceMs: 1000 } });
    builder.build([result('mqtt', { status: 'UP' })], 0, 0, RUNNING);
    const { snapshot } = builder.build([result('mqtt', { status: 'DOWN' })], 100, 100, RUNNING);
    builder.stale(snapshot, 500);
    expect(builder.build([result('mqtt', { status: 'DOWN' })], 1100, 1100, RUNNING).snapshot.groups.readiness.status).toBe(
      'OUT_OF_SERVICE',
    );
  });
});

describe('stale snapshots and grace windows', () => {
  it('gives stale data no grace: a member forgiven before the refresher stalled fails once stale', () => {
    const b = builderFor({ liveness: { members: ['cluster'], graceMs: { cluster: 300_000 } } });
    b.build([result('cluster', { status: 'UP' })], 0, 0, RUNNING);
    const { snapshot } = b.build([result('cluster', { status: 'DOWN' })], 1000, 1000, RUNNING);
    expect(snapshot.groups.liveness.status).toBe('UP');
    const stale = b.stale(snapshot, 10_000);
    expect(stale.groups.liveness.status).toBe('DOWN');
    expect(stale.groups.liveness.counted).toEqual({ cluster: 'DOWN' });
  });
});

describe('grace windows on the monotonic clock', () => {
  it('measures a grace window on the monotonic time, in whole milliseconds, whatever the wall clock does', () => {
    const b = builderFor({ liveness: { members: ['cluster'], graceMs: { cluster: 1000 } } });
    const wall = Date.UTC(2026, 0, 2, 3, 4, 5);
    b.build([result('cluster', { status: 'UP' })], wall, wall, RUNNING, 10.2);
    b.build([result('cluster', { status: 'DOWN' })], wall, wall, RUNNING, 100.4);
    // An hour later on the wall clock, 200 ms later on the monotonic one: still forgiven.
    const later = b.build([result('cluster', { status: 'DOWN' })], wall + 3_600_000, wall + 3_600_000, RUNNING, 300.3).snapshot;
    expect(later.at).toBe(wall + 3_600_000);
    expect(later.groups.liveness.status).toBe('UP');
    expect(later.groups.liveness.details).toEqual({ reason: 'grace window running for cluster', 'grace-remaining-ms': { cluster: 800 } });
    // Ten minutes back on the wall clock, past the window on the monotonic one: it has ended.
    const past = b.build([result('cluster', { status: 'DOWN' })], wall - 600_000, wall - 600_000, RUNNING, 1100.6).snapshot;
    expect(past.groups.liveness.status).toBe('DOWN');
  });
});
