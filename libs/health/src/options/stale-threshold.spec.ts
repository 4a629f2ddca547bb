import { describe, expect, it } from '@jest/globals';
import { createHealthConfig } from './health-config.js';
import { refreshFitsStaleThreshold, staleThresholdMs } from './stale-threshold.js';

describe('staleThresholdMs', () => {
  it('leaves room for the slowest indicator when staleAfterMs is not given', () => {
    const config = createHealthConfig({ refreshIntervalMs: 100, timeoutMs: 50 });
    expect(staleThresholdMs(config, [])).toBe(3 * 100 + 50);
    expect(staleThresholdMs(config, [20])).toBe(3 * 100 + 50);
    expect(staleThresholdMs(config, [20, 900])).toBe(3 * 100 + 900);
  });

  it('keeps an explicit staleAfterMs', () => {
    const config = createHealthConfig({ refreshIntervalMs: 100, timeoutMs: 50, staleAfterMs: 1000 });
    expect(staleThresholdMs(config, [900])).toBe(1000);
    expect(staleThresholdMs(config, [5000])).toBe(1000);
  });
});

describe('refreshFitsStaleThreshold', () => {
  it('requires an interval plus the timeout to stay below a given staleAfterMs', () => {
    const timings = { refreshIntervalMs: 600, timeoutMs: 100, staleAfterMs: 1000 };
    expect(refreshFitsStaleThreshold(timings, 399)).toBe(true);
    expect(refreshFitsStaleThreshold(timings, 400)).toBe(false);
  });

  it('always fits the threshold it derives itself, however slow the check', () => {
    expect(refreshFitsStaleThreshold({ refreshIntervalMs: 600, timeoutMs: 100 }, 60_000)).toBe(true);
  });
});
