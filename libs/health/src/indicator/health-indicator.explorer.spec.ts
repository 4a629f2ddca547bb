import { beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Logger, Scope, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { HealthIndicatorDefinitionError } from '../errors/health.errors.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import { createHealthConfig } from '../options/health-config.js';
import type { HealthModuleOptions } from '../options/health-options.interface.js';
import { HealthIndicator } from './health-indicator.decorator.js';
import { HealthIndicatorExplorer } from './health-indicator.explorer.js';

const up = () => ({ status: 'UP' as const });

@HealthIndicator('storage', { groups: ['readiness'], timeoutMs: 500 })
class StorageHealthIndicator {
  check = up;
}

@HealthIndicator('cluster', { intervalMs: 10_000 })
class ClusterHealthIndicator {
  check = up;
}

@Injectable()
class NotAnIndicator {
  check = up;
}

@HealthIndicator('cluster')
class ClusterPeersHealthIndicator {
  check = up;
}

@HealthIndicator('broken')
class NoCheckHealthIndicator {}

@HealthIndicator('bad/name')
class SlashedHealthIndicator {
  check = up;
}

@HealthIndicator('slow', { timeoutMs: 900 })
class SlowHealthIndicator {
  check = up;
}

@HealthIndicator('bridge', { groups: ['edge'] })
class EdgeBridgeHealthIndicator {
  check = up;
}

async function explore(providers: Provider[], options: HealthModuleOptions = {}) {
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule],
    providers: [HealthIndicatorExplorer, { provide: HEALTH_CONFIG, useValue: createHealthConfig(options) }, ...providers],
  }).compile();
  try {
    return moduleRef.get(HealthIndicatorExplorer).explore();
  } finally {
    await moduleRef.close();
  }
}

async function definitionError(providers: Provider[], options: HealthModuleOptions = {}): Promise<string> {
  const exploring = explore(providers, options);
  await expect(exploring).rejects.toThrow(HealthIndicatorDefinitionError);
  return exploring.then(
    () => '',
    (error: Error) => error.message,
  );
}

beforeAll(() => Logger.overrideLogger(false));

describe('HealthIndicatorExplorer', () => {
  it('finds every @HealthIndicator provider, sorted by name, with its options and the module defaults', async () => {
    const { indicators } = await explore([StorageHealthIndicator, NotAnIndicator, ClusterHealthIndicator], { timeoutMs: 300 });
    expect(indicators.map(({ instance, ...rest }) => ({ ...rest, checks: typeof instance.check }))).toEqual([
      { name: 'cluster', className: 'ClusterHealthIndicator', groups: [], timeoutMs: 300, intervalMs: 10_000, checks: 'function' },
      { name: 'storage', className: 'StorageHealthIndicator', groups: ['readiness'], timeoutMs: 500, intervalMs: 0, checks: 'function' },
    ]);
    expect(indicators[1].instance).toBeInstanceOf(StorageHealthIndicator);
  });

  it('resolves each group with the indicators that joined it', async () => {
    const { groups } = await explore([StorageHealthIndicator, ClusterHealthIndicator], { groups: { readiness: { members: ['cluster'] } } });
    expect(groups.map((g) => [g.definition.name, g.members])).toEqual([
      ['liveness', []],
      ['readiness', ['cluster', 'storage']],
      ['startup', []],
    ]);
  });

  it('finds nothing in an app without indicators', async () => {
    expect((await explore([NotAnIndicator])).indicators).toEqual([]);
  });

  it('refuses two indicators with the same name, naming both classes', async () => {
    expect(await definitionError([ClusterHealthIndicator, ClusterPeersHealthIndicator])).toBe(
      'Two health indicators are named "cluster": ClusterHealthIndicator and ClusterPeersHealthIndicator. Give each @HealthIndicator() a unique name.',
    );
  });

  it.each([
    ['request', Scope.REQUEST],
    ['transient', Scope.TRANSIENT],
  ])('refuses a %s-scoped indicator', async (_, scope) => {
    expect(await definitionError([{ provide: StorageHealthIndicator, useClass: StorageHealthIndicator, scope }])).toBe(
      'StorageHealthIndicator is request-scoped (itself, or through a request-scoped provider it injects); health indicators run in the background and must be singletons. Remove the scope, or inject singletons only.',
    );
  });

  it('refuses a class without check()', async () => {
    expect(await definitionError([NoCheckHealthIndicator])).toMatch(
      /^NoCheckHealthIndicator is marked @HealthIndicator\('broken'\) but has no check\(\) method/,
    );
  });

  it('refuses a name with "/"', async () => {
    expect(await definitionError([SlashedHealthIndicator])).toMatch(
      /^SlashedHealthIndicator has an invalid @HealthIndicator\(\) name "bad\/name"/,
    );
  });

  it('refuses a timeout that would let every refresh read as stale under a given staleAfterMs', async () => {
    expect(await definitionError([SlowHealthIndicator], { refreshIntervalMs: 600, staleAfterMs: 1000 })).toBe(
      'SlowHealthIndicator: @HealthIndicator() option "timeoutMs" plus refreshIntervalMs (600) must stay below staleAfterMs (1000), ' +
        'or every refresh could read as stale (got 900).',
    );
    // Without staleAfterMs the threshold widens to the slowest check instead.
    expect((await explore([SlowHealthIndicator], { refreshIntervalMs: 600 })).indicators).toHaveLength(1);
  });

  it('refuses an indicator that joins an undeclared group', async () => {
    expect(await definitionError([EdgeBridgeHealthIndicator])).toMatch(
      /^EdgeBridgeHealthIndicator joins health group "edge", which is not declared/,
    );
    expect((await explore([EdgeBridgeHealthIndicator], { groups: { edge: {} } })).groups.at(-1)?.members).toEqual(['bridge']);
  });
});
