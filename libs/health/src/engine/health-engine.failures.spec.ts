import { beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { HealthComponent } from '../model/health-component.interface.js';
import { engineWith, indicator } from '../testing/health-test-kit.js';

beforeAll(() => {
  Logger.overrideLogger(false);
});

describe('HealthEngine', () => {
  describe('failing indicators', () => {
    it('reports a synchronous throw as DOWN with the error message as reason', async () => {
      const engine = engineWith([
        indicator('redis', () => {
          throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
        }),
      ]);
      const snapshot = await engine.refresh();
      expect(snapshot.components.redis).toEqual({ status: 'DOWN', details: { reason: 'connect ECONNREFUSED 127.0.0.1:6379' } });
      expect(snapshot.checks.redis).toMatchObject({ failed: true, failures: 1 });
    });

    it('reports a rejected promise as DOWN with the error message as reason', async () => {
      const engine = engineWith([indicator('redis', () => Promise.reject(new Error('NOAUTH Authentication required')))]);
      const snapshot = await engine.refresh();
      expect(snapshot.components.redis).toEqual({ status: 'DOWN', details: { reason: 'NOAUTH Authentication required' } });
    });

    it('reports a thrown non-error by what it is', async () => {
      const engine = engineWith([
        indicator('a', () => {
          throw 'plain string';
        }),
        indicator('b', () => Promise.reject(42)),
      ]);
      const snapshot = await engine.refresh();
      expect(snapshot.components.a.details).toEqual({ reason: 'plain string' });
      expect(snapshot.components.b.details).toEqual({ reason: 'non-error thrown: 42' });
    });

    it('reports an invalid result as DOWN with what is wrong with it', async () => {
      const engine = engineWith([indicator('cluster', () => ({ status: 'OK' }) as unknown as HealthComponent)]);
      const snapshot = await engine.refresh();
      expect(snapshot.components.cluster.status).toBe('DOWN');
      expect(snapshot.components.cluster.details!.reason).toBe(
        'invalid check() result: (root).status "OK" is not one of UP, UNKNOWN, DEGRADED, DEGRADED_SERVICE, DOWN, OUT_OF_SERVICE',
      );
      expect(snapshot.checks.cluster.failed).toBe(true);
    });

    it('counts failures across checks and clears the failed flag on success', async () => {
      let fail = true;
      const engine = engineWith([
        indicator('flaky', () => {
          if (fail) throw new Error('nope');
          return { status: 'UP' };
        }),
      ]);
      await engine.refresh();
      await engine.refresh();
      fail = false;
      const snapshot = await engine.refresh();
      expect(snapshot.components.flaky).toEqual({ status: 'UP' });
      expect(snapshot.checks.flaky).toMatchObject({ failed: false, failures: 2 });
    });
  });
});
