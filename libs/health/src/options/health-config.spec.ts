import { describe, expect, it } from '@jest/globals';
import { HealthConfigError, HealthError } from '../errors/health.errors.js';
import { DEFAULT_HTTP_STATUS, DEFAULT_STATUS_ORDER, READINESS_MAPPING } from '../model/health-status.js';
import { createHealthConfig } from './health-config.js';
import { staleThresholdMs } from './stale-threshold.js';
import type { HealthModuleOptions } from './health-options.interface.js';

/** Options as a user might really write them, type errors included. */
const loose = (options: unknown) => options as HealthModuleOptions;

function configError(options: unknown): HealthConfigError {
  try {
    createHealthConfig(loose(options));
  } catch (error) {
    expect(error).toBeInstanceOf(HealthConfigError);
    return error as HealthConfigError;
  }
  throw new Error(`expected ${JSON.stringify(options)} to be rejected`);
}

describe('createHealthConfig defaults', () => {
  it('fills in every default when no options are given', () => {
    for (const options of [undefined, {}]) {
      const config = createHealthConfig(options);
      expect(config.refreshIntervalMs).toBe(1000);
      expect(config.timeoutMs).toBe(2000);
      expect(config.staleAfterMs).toBeUndefined();
      expect(staleThresholdMs(config, [])).toBe(5000);
      expect(config.checkMode).toBe('background');
      expect(config.showDetails).toBe('always');
      expect(config.authorize).toBeUndefined();
      expect(config.logTransitions).toBe(true);
      expect(config.order.order).toEqual(DEFAULT_STATUS_ORDER);
      expect(config.httpStatus).toEqual(DEFAULT_HTTP_STATUS);
      expect(config.groups.slice(0, 2)).toEqual([
        { name: 'liveness', members: [], mapping: {}, graceMs: 0 },
        { name: 'readiness', members: [], mapping: READINESS_MAPPING, graceMs: 0 },
      ]);
      expect(config.resourceThresholds).toEqual({
        heapDegradedRatio: 0.85,
        heapDownRatio: 0.95,
        rssDegradedBytes: undefined,
        rssDownBytes: undefined,
        diskPath: process.cwd(),
        diskDegradedRatio: 0.9,
        diskDownRatio: 0.98,
        eventLoopDegradedMs: 1000,
        eventLoopDownMs: 10_000,
      });
    }
  });

  it('maps readiness DEGRADED to DEGRADED_SERVICE and DOWN to OUT_OF_SERVICE by default', () => {
    const readiness = createHealthConfig({}).groups.find((g) => g.name === 'readiness')!;
    expect(readiness.mapping).toEqual({ DEGRADED: 'DEGRADED_SERVICE', DOWN: 'OUT_OF_SERVICE' });
  });

  it('derives staleAfterMs from refreshIntervalMs and timeoutMs', () => {
    expect(staleThresholdMs(createHealthConfig({ refreshIntervalMs: 200, timeoutMs: 50 }), [])).toBe(3 * 200 + 50);
  });

  it('does not share the default HTTP map between configs', () => {
    const a = createHealthConfig({});
    (a.httpStatus as Record<string, number>).UP = 299;
    expect(createHealthConfig({}).httpStatus.UP).toBe(200);
    expect(DEFAULT_HTTP_STATUS.UP).toBe(200);
  });
});

describe('createHealthConfig with valid options', () => {
  it('keeps explicit timings, modes and flags', () => {
    const authorize = () => true;
    const config = createHealthConfig({
      refreshIntervalMs: 250,
      timeoutMs: 100,
      staleAfterMs: 251,
      checkMode: 'on-request',
      showDetails: 'when-authorized',
      authorize,
      logTransitions: false,
    });
    expect(config).toMatchObject({
      refreshIntervalMs: 250,
      timeoutMs: 100,
      staleAfterMs: 251,
      checkMode: 'on-request',
      showDetails: 'when-authorized',
      logTransitions: false,
    });
    expect(config.authorize).toBe(authorize);
  });

  it('merges a partial httpStatus map over the defaults', () => {
    expect(createHealthConfig({ httpStatus: { DEGRADED: 207, DOWN: 500 } }).httpStatus).toEqual({
      ...DEFAULT_HTTP_STATUS,
      DEGRADED: 207,
      DOWN: 500,
    });
  });

  it('uses a custom statusOrder for aggregation', () => {
    const config = createHealthConfig({ statusOrder: ['OUT_OF_SERVICE', 'DOWN', 'DEGRADED', 'DEGRADED_SERVICE', 'UNKNOWN', 'UP'] });
    expect(config.order.worst(['DOWN', 'OUT_OF_SERVICE'])).toBe('OUT_OF_SERVICE');
    expect(config.order.worst(['UP', 'UNKNOWN'])).toBe('UNKNOWN');
  });

  it('keeps built-in groups first, adds custom groups, dedupes members and keeps a readiness mapping override', () => {
    const config = createHealthConfig({
      groups: {
        storage: { members: ['persistence', 'persistence'], graceMs: 500 },
        readiness: { members: ['mqtt', 'mqtt/tcp-listener-1883'], mapping: { DOWN: 'DOWN' } },
      },
    });
    expect(config.groups.slice(0, 2)).toEqual([
      { name: 'liveness', members: [], mapping: {}, graceMs: 0 },
      { name: 'readiness', members: ['mqtt', 'mqtt/tcp-listener-1883'], mapping: { DOWN: 'DOWN' }, graceMs: 0 },
    ]);
    // Custom groups come after every built-in one.
    expect(config.groups.at(-1)).toEqual({ name: 'storage', members: ['persistence'], mapping: {}, graceMs: 500 });
    expect(config.groups.filter((g) => g.name === 'readiness')).toHaveLength(1);
  });

  it('keeps a grace window per member', () => {
    const readiness = createHealthConfig({ groups: { readiness: { members: ['mqtt'], graceMs: { mqtt: 1500 } } } }).groups.find(
      (g) => g.name === 'readiness',
    )!;
    expect(readiness.graceMs).toEqual({ mqtt: 1500 });
  });

  it('accepts resource thresholds in range', () => {
    const thresholds = createHealthConfig({
      resourceThresholds: {
        heapDegradedRatio: 0.5,
        heapDownRatio: 1,
        rssDegradedBytes: 100,
        rssDownBytes: 200,
        diskPath: '/',
        diskDegradedRatio: 0.7,
        diskDownRatio: 0.7,
        eventLoopDegradedMs: 500,
        eventLoopDownMs: 500,
      },
    }).resourceThresholds;
    expect(thresholds).toEqual({
      heapDegradedRatio: 0.5,
      heapDownRatio: 1,
      rssDegradedBytes: 100,
      rssDownBytes: 200,
      diskPath: '/',
      diskDegradedRatio: 0.7,
      diskDownRatio: 0.7,
      eventLoopDegradedMs: 500,
      eventLoopDownMs: 500,
    });
  });
});

describe('createHealthConfig with invalid options', () => {
  const cases: Array<[string, unknown]> = [
    ['(options)', 'fast'],
    ['refreshInterval', { refreshInterval: 1000 }],
    ['refreshIntervalMs', { refreshIntervalMs: 0 }],
    ['refreshIntervalMs', { refreshIntervalMs: -5 }],
    ['refreshIntervalMs', { refreshIntervalMs: 1.5 }],
    ['refreshIntervalMs', { refreshIntervalMs: '1000' }],
    ['timeoutMs', { timeoutMs: 0 }],
    ['timeoutMs', { timeoutMs: Number.NaN }],
    ['staleAfterMs', { staleAfterMs: -1 }],
    ['staleAfterMs', { refreshIntervalMs: 1000, staleAfterMs: 1000 }],
    ['checkMode', { checkMode: 'sometimes' }],
    ['showDetails', { showDetails: true }],
    ['authorize', { authorize: 'admin' }],
    ['authorize', { showDetails: 'when-authorized' }],
    ['logTransitions', { logTransitions: 'yes' }],
    ['statusOrder', { statusOrder: ['DOWN', 'UP'] }],
    ['statusOrder', { statusOrder: ['DOWN', 'DOWN', 'DEGRADED_SERVICE', 'DEGRADED', 'UP', 'UNKNOWN'] }],
    ['statusOrder', { statusOrder: ['DOWN', 'OUT_OF_SERVICE', 'DEGRADED_SERVICE', 'DEGRADED', 'UP', 'FINE'] }],
    ['statusOrder', { statusOrder: 'DOWN,UP' }],
    ['httpStatus', { httpStatus: [200] }],
    ['httpStatus.UP', { httpStatus: { UP: 700 } }],
    ['httpStatus.DOWN', { httpStatus: { DOWN: '503' } }],
    ['httpStatus.DOWN', { httpStatus: { DOWN: 503.5 } }],
    ['httpStatus.up', { httpStatus: { up: 200 } }],
    ['groups', { groups: ['readiness'] }],
    ['groups.readiness', { groups: { readiness: 'mqtt' } }],
    ['groups.readiness.mapping.FOO', { groups: { readiness: { mapping: { FOO: 'DOWN' } } } }],
    ['groups.readiness.mapping.DOWN', { groups: { readiness: { mapping: { DOWN: 'BROKEN' } } } }],
    ['groups.readiness.mapping', { groups: { readiness: { mapping: 'OUT_OF_SERVICE' } } }],
    ['groups.readiness.members', { groups: { readiness: { members: 'mqtt' } } }],
    ['groups.readiness.members', { groups: { readiness: { members: [''] } } }],
    ['groups.readiness.members', { groups: { readiness: { members: ['/mqtt'] } } }],
    ['groups.readiness.members', { groups: { readiness: { members: ['mqtt/'] } } }],
    ['groups.readiness.members', { groups: { readiness: { members: [42] } } }],
    ['groups.liveness.graceMs', { groups: { liveness: { graceMs: -1 } } }],
    ['groups.liveness.graceMs', { groups: { liveness: { graceMs: 1.5 } } }],
    ['groups.liveness.grace', { groups: { liveness: { grace: 100 } } }],
    ['groups.readiness.graceMs', { groups: { readiness: { graceMs: '1000' } } }],
    ['groups.readiness.graceMs.mqtt', { groups: { readiness: { graceMs: { mqtt: -1 } } } }],
    ['groups.my group', { groups: { 'my group': {} } }],
    ['groups._private', { groups: { _private: {} } }],
    ['resourceThresholds', { resourceThresholds: 0.9 }],
    ['resourceThresholds.heapDegradedRatio', { resourceThresholds: { heapDegradedRatio: 0.99 } }],
    ['resourceThresholds.heapDegradedRatio', { resourceThresholds: { heapDegradedRatio: 0.6, heapDownRatio: 0.5 } }],
    ['resourceThresholds.heapDownRatio', { resourceThresholds: { heapDownRatio: 0 } }],
    ['resourceThresholds.heapDownRatio', { resourceThresholds: { heapDownRatio: 95 } }],
    ['resourceThresholds.diskDegradedRatio', { resourceThresholds: { diskDegradedRatio: 0.99 } }],
    ['resourceThresholds.diskDownRatio', { resourceThresholds: { diskDownRatio: '0.9' } }],
    ['resourceThresholds.rssDownBytes', { resourceThresholds: { rssDownBytes: -1 } }],
    ['resourceThresholds.rssDegradedBytes', { resourceThresholds: { rssDegradedBytes: 1.5 } }],
    ['resourceThresholds.rssDegradedBytes', { resourceThresholds: { rssDegradedBytes: 2000, rssDownBytes: 1000 } }],
    ['resourceThresholds.diskPath', { resourceThresholds: { diskPath: '' } }],
  ];

  it.each(cases)('names the field %s', (field, options) => {
    const error = configError(options);
    expect(error).toBeInstanceOf(HealthError);
    expect(error.name).toBe('HealthConfigError');
    expect(error.message).toContain(`option "${field}"`);
    expect(error.message).toMatch(/Fix it in HealthModule\.forRoot\(\)\/forRootAsync\(\)\.$/);
  });

  it('shows the rejected value', () => {
    expect(configError({ refreshIntervalMs: -5 }).message).toContain('(got -5)');
    expect(configError({ checkMode: 'sometimes' }).message).toContain('(got "sometimes")');
    // A value read from a missing environment variable: Number(undefined).
    expect(configError({ drainMs: Number(undefined) }).message).toContain('(got NaN)');
    expect(configError({ healthApi: { listeners: [{ port: Infinity }] } }).message).toContain('(got Infinity)');
  });

  it('lists the known options when a key is unknown', () => {
    expect(configError({ refreshInterval: 1000 }).message).toContain('refreshIntervalMs');
  });

  it('says what authorize is needed for', () => {
    expect(configError({ showDetails: 'when-authorized' }).message).toContain('when-authorized');
  });
});
