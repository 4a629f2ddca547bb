import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { HealthComponent } from '../model/health-component.interface.js';
import { engineWith, hang, indicator, NOT_CHECKED, type Check } from '../testing/health-test-kit.js';

/** Lets every already-settled promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

beforeAll(() => {
  Logger.overrideLogger(false);
});

describe('HealthEngine', () => {
  describe('hung indicators', () => {
    it('publishes a fast result without waiting for a hung one, which turns DOWN at its timeout', async () => {
      const engine = engineWith([indicator('fast', () => ({ status: 'UP' })), indicator('hung', hang)]);
      const refreshed = engine.refresh();
      await settle();
      const during = engine.current();
      expect(during.components.fast).toEqual({ status: 'UP' });
      expect(during.components.hung).toEqual(NOT_CHECKED);

      const after = await refreshed;
      expect(after.components.hung).toEqual({ status: 'DOWN', details: { reason: 'timed out after 50 ms' } });
      expect(after.components.fast).toEqual({ status: 'UP' });
      expect(after.checks.hung.failed).toBe(true);
      expect(engine.current()).toBe(after);
    });

    it('uses the timeout of each indicator', async () => {
      const engine = engineWith([indicator('quick-timeout', hang, { timeoutMs: 20 })]);
      expect((await engine.refresh()).components['quick-timeout'].details).toEqual({ reason: 'timed out after 20 ms' });
    });

    it('does not call a hung indicator again while its call is pending, and ignores its late result', async () => {
      const release: Array<(component: HealthComponent) => void> = [];
      const check = jest.fn<Check>(() => new Promise<HealthComponent>((resolve) => release.push(resolve)));
      const engine = engineWith([indicator('hung', check)]);

      expect((await engine.refresh()).components.hung.details).toEqual({ reason: 'timed out after 50 ms' });
      const second = await engine.refresh();
      expect(check).toHaveBeenCalledTimes(1);
      expect(second.components.hung.status).toBe('DOWN');
      expect(second.components.hung.details!.reason).toMatch(/^timed out after 50 ms \(still running after \d+ ms\)$/);
      expect(second.checks.hung.failures).toBe(2);

      release[0]({ status: 'UP' });
      await settle();
      expect(engine.current().components.hung.status).toBe('DOWN');

      const third = engine.refresh();
      expect(check).toHaveBeenCalledTimes(2);
      release[1]({ status: 'UP' });
      expect((await third).components.hung).toEqual({ status: 'UP' });
    });
  });
});
