import { describe, expect, it } from '@jest/globals';
import { builderFor, mqtt, result, RUNNING } from '../testing/health-test-kit.js';

describe('SnapshotBuilder.build', () => {
  describe('grace, from the tracked since of each status', () => {
    const builder = () => builderFor({ readiness: { members: ['mqtt'], graceMs: 1000 } });
    const down = [result('mqtt', { status: 'DOWN' })];
    const up = [result('mqtt', { status: 'UP' })];

    it('keeps readiness UP while a member has been DOWN for less than graceMs, then takes it OUT_OF_SERVICE', () => {
      const b = builder();
      b.build(up, 0, 0, RUNNING);
      const early = b.build(down, 100, 100, RUNNING);
      expect(early.snapshot.groups.readiness).toEqual({
        status: 'UP',
        details: { reason: 'grace window running for mqtt', 'grace-remaining-ms': { mqtt: 1000 } },
        components: { mqtt: { status: 'DOWN' } },
        counted: { mqtt: 'UP' },
      });
      expect(b.build(down, 600, 600, RUNNING).snapshot.groups.readiness.details).toEqual({
        reason: 'grace window running for mqtt',
        'grace-remaining-ms': { mqtt: 500 },
      });
      expect(early.transitions).toEqual([{ kind: 'component', path: 'mqtt', from: 'UP', to: 'DOWN', at: 100 }]);
      // The system status still shows the DOWN component.
      expect(early.snapshot.status).toBe('DOWN');

      expect(b.build(down, 1099, 1099, RUNNING).snapshot.groups.readiness.status).toBe('UP');
      const late = b.build(down, 1100, 1100, RUNNING);
      expect(late.snapshot.groups.readiness.status).toBe('OUT_OF_SERVICE');
      expect(late.snapshot.groups.readiness.details).toBeUndefined();
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
      const { snapshot } = builderFor().build(
        [result('a', { status: 'UP' }), result('b', { status: 'DEGRADED' }), result('c', { status: 'UNKNOWN' })],
        1,
        1,
        RUNNING,
      );
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
});
