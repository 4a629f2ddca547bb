import { beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { HealthTransition } from '../model/health-snapshot.interface.js';
import { createHealthConfig } from '../options/health-config.js';
import { engineWith, groupInputs, hang, indicator } from '../testing/health-test-kit.js';
import { HealthEngine } from './health-engine.js';

beforeAll(() => {
  Logger.overrideLogger(false);
});

describe('HealthEngine', () => {
  describe('changes$', () => {
    it('emits the placeholder of each component when the indicators are found', () => {
      const config = createHealthConfig({ logTransitions: false });
      const indicators = [indicator('cluster', () => ({ status: 'UP' }))];
      const engine = new HealthEngine(config, () => ({ indicators, groups: groupInputs(config) }));
      const events: HealthTransition[] = [];
      engine.changes$.subscribe((t) => events.push(t));
      engine.onModuleInit();
      expect(events.filter((t) => t.kind === 'component')).toEqual([
        { kind: 'component', path: 'cluster', from: null, to: 'UNKNOWN', at: expect.any(Number), reason: 'not checked yet' },
      ]);
    });

    it('emits one event per transition, none for an unchanged status', async () => {
      let next: HealthComponent = { status: 'UP', details: { connections: 1 } };
      const engine = engineWith([indicator('broker', () => next), indicator('hung', hang, { timeoutMs: 20 })]);
      const events: HealthTransition[] = [];
      engine.changes$.subscribe((t) => events.push(t));

      await engine.refresh();
      expect(events.map(({ path, from, to, reason }) => ({ path, from, to, reason }))).toEqual([
        { path: 'broker', from: 'UNKNOWN', to: 'UP', reason: undefined },
        { path: 'hung', from: 'UNKNOWN', to: 'DOWN', reason: 'timed out after 20 ms' },
      ]);

      events.length = 0;
      next = { status: 'UP', details: { connections: 2 } };
      await engine.refresh();
      expect(events).toEqual([]);

      next = { status: 'DEGRADED', details: { reason: 'persistence slow' } };
      await engine.refresh();
      expect(events).toEqual([
        { kind: 'component', path: 'broker', from: 'UP', to: 'DEGRADED', at: expect.any(Number), reason: 'persistence slow' },
      ]);
    });

    it('emits a group transition when a member moves the group', async () => {
      let status: HealthComponent['status'] = 'UP';
      const engine = engineWith([indicator('persistence', () => ({ status }))], { groups: { storage: { members: ['persistence'] } } });
      await engine.refresh();
      const events: HealthTransition[] = [];
      engine.changes$.subscribe((t) => events.push(t));
      status = 'DOWN';
      await engine.refresh();
      expect(events.map(({ kind, path, from, to }) => ({ kind, path, from, to }))).toEqual([
        { kind: 'component', path: 'persistence', from: 'UP', to: 'DOWN' },
        { kind: 'group', path: 'storage', from: 'UP', to: 'DOWN' },
      ]);
    });
  });
});
