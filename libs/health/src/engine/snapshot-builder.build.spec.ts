import { describe, expect, it } from '@jest/globals';
import { builderFor, mqtt, result, RUNNING } from '../testing/health-test-kit.js';

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
    const { snapshot, transitions } = builder.build(
      [result('mqtt', mqtt({ status: 'DOWN', details: { reason: 'bind failed' } }))],
      200,
      200,
      RUNNING,
    );
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
    const { transitions } = builder.build(
      [result('cluster', { status: 'DOWN', details: { reason: 'timed out after 50 ms' } }, true)],
      200,
      200,
      RUNNING,
    );
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
    const { transitions } = builder.build(
      [result('mqtt', { status: 'UP', components: { 'tcp-listener-1883': { status: 'UP' } } })],
      200,
      200,
      RUNNING,
    );
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
