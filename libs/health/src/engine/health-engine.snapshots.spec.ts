import { beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { HealthTransition } from '../model/health-snapshot.interface.js';
import { engineWith, indicator } from '../testing/health-test-kit.js';

beforeAll(() => {
  Logger.overrideLogger(false);
});

describe('HealthEngine', () => {
  describe('absent components', () => {
    it.each([null, undefined])('leaves an indicator returning %p out of the tree and the groups', async (absent) => {
      const engine = engineWith([indicator('cluster', () => absent), indicator('mqtt', () => ({ status: 'UP' }))], {
        groups: { readiness: { members: ['cluster', 'mqtt'] }, peers: { members: ['cluster'] } },
      });
      const events: HealthTransition[] = [];
      engine.changes$.subscribe((t) => events.push(t));
      const snapshot = await engine.refresh();
      expect(Object.keys(snapshot.components)).toEqual(['mqtt']);
      expect(Object.keys(snapshot.groups.readiness.components)).toEqual(['mqtt']);
      expect(snapshot.groups.peers).toEqual({ status: 'UP', components: {}, counted: {} });
      expect(snapshot.checks.cluster).toMatchObject({ failed: false, failures: 0 });
      expect(events).toContainEqual({ kind: 'component', path: 'cluster', from: 'UNKNOWN', to: null, at: expect.any(Number) });
    });
  });

  describe('published snapshots', () => {
    it('are not changed by an indicator mutating what it returned', async () => {
      const shared: HealthComponent = { status: 'UP', details: { clients: 1 }, components: { a: { status: 'UP' } } };
      const engine = engineWith([indicator('broker', () => shared)]);
      const snapshot = await engine.refresh();
      shared.status = 'DOWN';
      shared.details!.clients = 99;
      shared.components!.a.status = 'DOWN';
      expect(snapshot.components.broker).toEqual({ status: 'UP', details: { clients: 1 }, components: { a: { status: 'UP' } } });
      expect(engine.current().components.broker.status).toBe('UP');
    });

    it('are frozen', async () => {
      const engine = engineWith([indicator('broker', () => ({ status: 'UP', details: { clients: 1 } }))]);
      const snapshot = await engine.refresh();
      expect(Object.isFrozen(snapshot)).toBe(true);
      expect(Object.isFrozen(snapshot.components.broker.details)).toBe(true);
    });
  });
});
