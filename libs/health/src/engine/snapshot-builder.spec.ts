import { describe, expect, it } from '@jest/globals';
import type { GroupInput } from '../model/health-group.interface.js';
import { createHealthConfig } from '../options/health-config.js';
import type { HealthGroupOptions } from '../options/health-options.interface.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { HealthLifecycle } from '../model/health-snapshot.interface.js';
import { SnapshotBuilder, type IndicatorResult } from './snapshot-builder.js';

/** Started and not draining: groups follow their members. */
const RUNNING: HealthLifecycle = { started: true, draining: false };

/** A builder for liveness, readiness and the given custom groups. */
function builderFor(groups: Record<string, HealthGroupOptions> = {}): SnapshotBuilder {
  const config = createHealthConfig({ groups, logTransitions: false });
  const wanted = new Set(['liveness', 'readiness', ...Object.keys(groups)]);
  const inputs: GroupInput[] = config.groups.filter((g) => wanted.has(g.name)).map((definition) => ({ definition, members: definition.members }));
  return new SnapshotBuilder(config, inputs);
}

function result(name: string, component: HealthComponent | null, failed = false): IndicatorResult {
  return { name, component, stats: { checkedAt: 5, durationMs: 2, failed, failures: failed ? 1 : 0 } };
}

function mqtt(tls: HealthComponent = { status: 'UP' }): HealthComponent {
  return { status: 'UP', details: { listeners: 2 }, components: { 'tcp-listener-1883': { status: 'UP', details: { port: 1883 } }, 'tls-tcp-listener-8883': tls } };
}

function everyNode(components: Readonly<Record<string, HealthComponent>>, visit: (path: string, node: HealthComponent) => void, prefix = ''): void {
  for (const [name, node] of Object.entries(components)) {
    visit(prefix + name, node);
    everyNode(node.components ?? {}, visit, `${prefix}${name}/`);
  }
}

describe('SnapshotBuilder.build', () => {
  it('reports every component, sub-component and group as new on the first build', () => {
    const builder = builderFor({ storage: { members: ['persistence'] } });
    const { snapshot, transitions } = builder.build([result('mqtt', mqtt()), result('cluster', { status: 'DEGRADED' })], 100, 90, RUNNING);
    expect(transitions).toEqual([
      { kind: 'component', path: 'mqtt', from: null, to: 'UP', at: 100 },
      { kind: 'component', path: 'mqtt/tcp-listener-1883', from: null, to: 'UP', at: 100 },
      { kind: 'component', path: 'mqtt/tls-tcp-listener-8883', from: null, to: 'UP', at: 100 },
      { kind: 'component', path: 'cluster', from: null, to: 'DEGRADED', at: 100 },
      { kind: 'group', path: 'liveness', from: null, to: 'UP', at: 100 },
      { kind: 'group', path: 'readiness', from: null, to: 'UP', at: 100 },
      { kind: 'group', path: 'storage', from: null, to: 'UP', at: 100 },
    ]);
    expect(snapshot).toMatchObject({ at: 100, refreshedAt: 90, stale: false, status: 'DEGRADED' });
  });

  it('reports nothing when no status changed', () => {
    const builder = builderFor({ readiness: { members: ['mqtt'] } });
    builder.build([result('mqtt', mqtt())], 100, 100, RUNNING);
    const { snapshot, transitions } = builder.build([result('mqtt', { ...mqtt(), details: { listeners: 3 } })], 200, 200, RUNNING);
    expect(transitions).toEqual([]);
    expect(snapshot.components.mqtt.details).toEqual({ listeners: 3 });
  });

  it('reports a changed sub-component with its reason, its resolved parent and the group it moves', () => {
    const builder = builderFor({ readiness: { members: ['mqtt'] } });
    builder.build([result('mqtt', mqtt())], 100, 100, RUNNING);
    const { snapshot, transitions } = builder.build([result('mqtt', mqtt({ status: 'DOWN', details: { reason: 'bind failed' } }))], 200, 200, RUNNING);
    expect(transitions).toEqual([
      { kind: 'component', path: 'mqtt', from: 'UP', to: 'DOWN', at: 200 },
      { kind: 'component', path: 'mqtt/tls-tcp-listener-8883', from: 'UP', to: 'DOWN', at: 200, reason: 'bind failed' },
      { kind: 'group', path: 'readiness', from: 'UP', to: 'OUT_OF_SERVICE', at: 200 },
    ]);
    expect(snapshot.components.mqtt.status).toBe('DOWN');
    expect(snapshot.groups.readiness.status).toBe('OUT_OF_SERVICE');
  });

  it('takes the reason of a top-level component from its details', () => {
    const builder = builderFor();
    builder.build([result('cluster', { status: 'UP' })], 100, 100, RUNNING);
    const { transitions } = builder.build([result('cluster', { status: 'DOWN', details: { reason: 'timed out after 50 ms' } }, true)], 200, 200, RUNNING);
    expect(transitions).toEqual([{ kind: 'component', path: 'cluster', from: 'UP', to: 'DOWN', at: 200, reason: 'timed out after 50 ms' }]);
  });

  it('reports a component that disappears, and its sub-components, as gone', () => {
    const builder = builderFor({ readiness: { members: ['mqtt'] } });
    builder.build([result('mqtt', mqtt({ status: 'DOWN' })), result('cluster', { status: 'UP' })], 100, 100, RUNNING);
    const { snapshot, transitions } = builder.build([result('mqtt', null), result('cluster', { status: 'UP' })], 200, 200, RUNNING);
    expect(transitions).toEqual([
      { kind: 'group', path: 'readiness', from: 'OUT_OF_SERVICE', to: 'UP', at: 200 },
      { kind: 'component', path: 'mqtt', from: 'DOWN', to: null, at: 200 },
      { kind: 'component', path: 'mqtt/tcp-listener-1883', from: 'UP', to: null, at: 200 },
      { kind: 'component', path: 'mqtt/tls-tcp-listener-8883', from: 'DOWN', to: null, at: 200 },
    ]);
    expect(snapshot.components).not.toHaveProperty('mqtt');
    expect(snapshot.groups.readiness).toEqual({ status: 'UP', components: {}, counted: {} });
    expect(snapshot.checks).toHaveProperty('mqtt');
  });

  it('reports a sub-component that disappears from a present component', () => {
    const builder = builderFor();
    builder.build([result('mqtt', mqtt())], 100, 100, RUNNING);
    const { transitions } = builder.build([result('mqtt', { status: 'UP', components: { 'tcp-listener-1883': { status: 'UP' } } })], 200, 200, RUNNING);
    expect(transitions).toEqual([{ kind: 'component', path: 'mqtt/tls-tcp-listener-8883', from: 'UP', to: null, at: 200 }]);
  });

  it('reports a component that comes back as new', () => {
    const builder = builderFor();
    builder.build([result('cluster', { status: 'UP' })], 100, 100, RUNNING);
    builder.build([result('cluster', null)], 200, 200, RUNNING);
    const { transitions } = builder.build([result('cluster', { status: 'DEGRADED' })], 300, 300, RUNNING);
    expect(transitions).toEqual([{ kind: 'component', path: 'cluster', from: null, to: 'DEGRADED', at: 300 }]);
  });

  it('resolves each component tree so a parent is as severe as its worst child', () => {
    const { snapshot } = builderFor().build([result('mqtt', mqtt({ status: 'DEGRADED' }))], 100, 100, RUNNING);
    expect(snapshot.components.mqtt.status).toBe('DEGRADED');
    expect(snapshot.components.mqtt.components!['tls-tcp-listener-8883'].status).toBe('DEGRADED');
  });

  it('keeps the check stats of every indicator, absent ones included', () => {
    const { snapshot } = builderFor().build([result('mqtt', mqtt()), result('cluster', null, true)], 100, 100, RUNNING);
    expect(snapshot.checks).toEqual({
      mqtt: { checkedAt: 5, durationMs: 2, failed: false, failures: 0 },
      cluster: { checkedAt: 5, durationMs: 2, failed: true, failures: 1 },
    });
    expect(Object.keys(snapshot.components)).toEqual(['mqtt']);
  });

  describe('grace, from the tracked since of each status', () => {
    const builder = () => builderFor({ readiness: { members: ['mqtt'], graceMs: 1000 } });
    const down = [result('mqtt', { status: 'DOWN' })];
    const up = [result('mqtt', { status: 'UP' })];

    it('keeps readiness UP while a member has been DOWN for less than graceMs, then takes it OUT_OF_SERVICE', () => {
      const b = builder();
      b.build(up, 0, 0, RUNNING);
      const early = b.build(down, 100, 100, RUNNING);
      expect(early.snapshot.groups.readiness).toEqual({ status: 'UP', components: { mqtt: { status: 'DOWN' } }, counted: { mqtt: 'UP' } });
      expect(early.transitions).toEqual([{ kind: 'component', path: 'mqtt', from: 'UP', to: 'DOWN', at: 100 }]);
      // The system status still shows the DOWN component.
      expect(early.snapshot.status).toBe('DOWN');

      expect(b.build(down, 1099, 1099, RUNNING).snapshot.groups.readiness.status).toBe('UP');
      const late = b.build(down, 1100, 1100, RUNNING);
      expect(late.snapshot.groups.readiness.status).toBe('OUT_OF_SERVICE');
      expect(late.transitions).toEqual([{ kind: 'group', path: 'readiness', from: 'UP', to: 'OUT_OF_SERVICE', at: 1100 }]);
    });

    it('restarts the window when the member recovers and fails again', () => {
      const b = builder();
      b.build(down, 0, 0, RUNNING);
      expect(b.build(down, 5000, 5000, RUNNING).snapshot.groups.readiness.status).toBe('OUT_OF_SERVICE');
      b.build(up, 6000, 6000, RUNNING);
      expect(b.build(down, 7000, 7000, RUNNING).snapshot.groups.readiness.status).toBe('UP');
      expect(b.build(down, 8000, 8000, RUNNING).snapshot.groups.readiness.status).toBe('OUT_OF_SERVICE');
    });

    it('gives a member that is DOWN from its first build the window too', () => {
      const b = builder();
      expect(b.build(down, 0, 0, RUNNING).snapshot.groups.readiness.status).toBe('UP');
      expect(b.build(down, 1000, 1000, RUNNING).snapshot.groups.readiness.status).toBe('OUT_OF_SERVICE');
    });
  });

  describe('system status', () => {
    it('is UP with no components', () => {
      expect(builderFor().build([], 100, 100, RUNNING).snapshot.status).toBe('UP');
    });

    it('is the worst of the components', () => {
      const { snapshot } = builderFor().build([result('a', { status: 'UP' }), result('b', { status: 'DEGRADED' }), result('c', { status: 'UNKNOWN' })], 1, 1, RUNNING);
      expect(snapshot.status).toBe('DEGRADED');
    });

    it('includes the readiness state', () => {
      const { snapshot } = builderFor({ readiness: { members: ['mqtt/ws-listener-8000'] } }).build([result('mqtt', mqtt())], 1, 1, RUNNING);
      expect(snapshot.components.mqtt.status).toBe('UP');
      expect(snapshot.groups.readiness.status).toBe('OUT_OF_SERVICE');
      expect(snapshot.status).toBe('OUT_OF_SERVICE');
    });

    it('includes the readiness mapping of a degraded member', () => {
      const { snapshot } = builderFor({ readiness: { members: ['mqtt'] } }).build([result('mqtt', { status: 'DEGRADED' })], 1, 1, RUNNING);
      expect(snapshot.groups.readiness.status).toBe('DEGRADED_SERVICE');
      expect(snapshot.status).toBe('DEGRADED_SERVICE');
    });

    it('includes the liveness state', () => {
      const { snapshot } = builderFor({ liveness: { members: ['mqtt/ws-listener-8000'] } }).build([result('mqtt', mqtt())], 1, 1, RUNNING);
      expect(snapshot.groups.liveness.status).toBe('DOWN');
      expect(snapshot.status).toBe('DOWN');
    });

    it('ignores custom groups', () => {
      const { snapshot } = builderFor({ storage: { members: ['mqtt/ws-listener-8000'] } }).build([result('mqtt', mqtt())], 1, 1, RUNNING);
      expect(snapshot.groups.storage.status).toBe('DOWN');
      expect(snapshot.status).toBe('UP');
    });
  });

  it('freezes the snapshot all the way down', () => {
    const { snapshot } = builderFor({ readiness: { members: ['mqtt'] } }).build([result('mqtt', mqtt())], 1, 1, RUNNING);
    const frozen = [
      snapshot,
      snapshot.components,
      snapshot.components.mqtt,
      snapshot.components.mqtt.details,
      snapshot.components.mqtt.components,
      snapshot.components.mqtt.components!['tcp-listener-1883'].details,
      snapshot.groups,
      snapshot.groups.readiness,
      snapshot.groups.readiness.components,
      snapshot.checks,
      snapshot.checks.mqtt,
    ];
    for (const value of frozen) expect(Object.isFrozen(value)).toBe(true);
    expect(() => {
      (snapshot as { status: string }).status = 'DOWN';
    }).toThrow(TypeError);
    expect(() => {
      (snapshot.components.mqtt.details as Record<string, unknown>).listeners = 0;
    }).toThrow(TypeError);
  });
});

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
    expect(builder.build([result('mqtt', { status: 'DOWN' })], 1100, 1100, RUNNING).snapshot.groups.readiness.status).toBe('OUT_OF_SERVICE');
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
