import { describe, expect, it } from '@jest/globals';
import type { HealthLifecycle } from '../model/health-snapshot.interface.js';
import { everyGroupBuilder, result, RUNNING } from '../testing/health-test-kit.js';

const NOT_STARTED: HealthLifecycle = { started: false, draining: false };
const up = [result('cluster', { status: 'UP' }), result('mqtt', { status: 'UP' })];

describe('SnapshotBuilder holds', () => {
  it('writes the hold once, into readiness and startup, with its transition reason; liveness follows its members', () => {
    const { snapshot, transitions } = everyGroupBuilder().build(up, 1, 1, NOT_STARTED);
    expect(snapshot.groups.readiness).toMatchObject({ status: 'OUT_OF_SERVICE', details: { reason: 'starting' } });
    expect(snapshot.groups.startup).toEqual({ status: 'OUT_OF_SERVICE', details: { reason: 'starting' }, components: {}, counted: {} });
    expect(snapshot.groups.liveness).toEqual({ status: 'UP', components: {}, counted: {} });
    expect(transitions.filter((t) => t.kind === 'group')).toEqual([
      { kind: 'group', path: 'liveness', from: null, to: 'UP', at: 1 },
      { kind: 'group', path: 'readiness', from: null, to: 'OUT_OF_SERVICE', at: 1, reason: 'starting' },
      { kind: 'group', path: 'startup', from: null, to: 'OUT_OF_SERVICE', at: 1, reason: 'starting' },
    ]);
    // A held readiness counts in the system status like any other.
    expect(snapshot.status).toBe('OUT_OF_SERVICE');
  });

  it('holds for the drain when the app shuts down before start-up completed', () => {
    const { snapshot } = everyGroupBuilder().build(up, 1, 1, { started: false, draining: true });
    expect(snapshot.groups.readiness.details).toEqual({ reason: 'draining' });
    expect(snapshot.groups.startup.details).toEqual({ reason: 'draining' });
  });

  it('counts readiness as reached only once it passes unheld, and keeps it through a drain', () => {
    const builder = everyGroupBuilder();
    expect(builder.build(up, 1, 1, NOT_STARTED).snapshot.readyReached).toBe(false);
    expect(builder.build(up, 2, 2, RUNNING).snapshot.readyReached).toBe(true);
    const draining = builder.build(up, 3, 3, { started: true, draining: true }).snapshot;
    expect(draining).toMatchObject({ readyReached: true, groups: { readiness: { details: { reason: 'draining' } } } });
  });

  it('keeps the hold of its lifecycle in a stale snapshot', () => {
    const builder = everyGroupBuilder();
    const draining = builder.build(up, 1, 1, { started: true, draining: true }).snapshot;
    const stale = builder.stale(draining, 60_000);
    expect(stale.groups.readiness).toMatchObject({ status: 'OUT_OF_SERVICE', details: { reason: 'draining' } });
    const running = builder.build(up, 2, 2, RUNNING).snapshot;
    expect(builder.stale(running, 60_000).groups.readiness.details).toBeUndefined();
  });
});
