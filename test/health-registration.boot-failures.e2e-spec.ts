import { afterEach, describe, expect, it } from '@jest/globals';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import {
  HealthConfigError,
  HealthIndicator,
  HealthIndicatorDefinitionError,
  HealthModule,
  HealthService,
  HealthStatus,
  type HealthModuleOptions,
} from 'nestjs-mqtt-health';
import { bootApp, PLATFORMS, type Platform } from './support/boot.js';
import { ClusterHealthIndicator } from './support/broker.health.js';
import { FAST } from './support/health-app.js';

@HealthIndicator('mqtt')
class MqttListenersHealthIndicator {
  check() {
    return { status: HealthStatus.UP };
  }
}

@HealthIndicator('mqtt')
class MqttBridgeHealthIndicator {
  check() {
    return { status: HealthStatus.UP };
  }
}

@HealthIndicator('broken')
class NoCheckHealthIndicator {}

@HealthIndicator('bridge', { groups: ['edge'] })
class EdgeBridgeHealthIndicator {
  check() {
    return { status: HealthStatus.UP };
  }
}

@HealthIndicator('readiness')
class ReadinessNamedHealthIndicator {
  check() {
    return { status: HealthStatus.UP };
  }
}

@HealthIndicator('slow', { timeoutMs: -1 })
class NegativeTimeoutHealthIndicator {
  check() {
    return { status: HealthStatus.UP };
  }
}

describe.each(PLATFORMS)('boot failures on %s', (platform: Platform) => {
  /** Boots that were expected to fail; any that succeeded anyway is closed after the test. */
  let boots: Promise<INestApplication>[] = [];
  const bootExpectingFailure = (metadata: ModuleMetadata) => {
    const booting = bootApp(platform, metadata);
    boots.push(booting);
    return booting;
  };
  const boot = (options: HealthModuleOptions, providers: ModuleMetadata['providers'] = [ClusterHealthIndicator]) =>
    bootExpectingFailure({ imports: [HealthModule.forRoot({ ...options, resources: false })], providers });

  afterEach(async () => {
    await Promise.all(
      boots.map((booting) =>
        booting.then(
          (app) => app.close(),
          () => undefined,
        ),
      ),
    );
    boots = [];
  });

  it('rejects two indicators with the same name, naming both classes', async () => {
    const booting = boot(FAST, [MqttListenersHealthIndicator, MqttBridgeHealthIndicator]);

    await expect(booting).rejects.toThrow(HealthIndicatorDefinitionError);
    await expect(booting).rejects.toThrow(
      /"mqtt".*(MqttListenersHealthIndicator and MqttBridgeHealthIndicator|MqttBridgeHealthIndicator and MqttListenersHealthIndicator)/,
    );
  });

  it('rejects an indicator class without check()', async () => {
    await expect(boot(FAST, [NoCheckHealthIndicator])).rejects.toThrow(
      /NoCheckHealthIndicator is marked @HealthIndicator\('broken'\) but has no check\(\) method/,
    );
  });

  it.each([
    ['refreshIntervalMs', { refreshIntervalMs: 0 }],
    ['timeoutMs', { timeoutMs: -5 }],
    ['staleAfterMs', { refreshIntervalMs: 1000, staleAfterMs: 500 }],
    ['showDetails', { showDetails: 'sometimes' }],
    ['authorize', { showDetails: 'when-authorized' }],
    ['groups.readiness.mapping.DOWN', { groups: { readiness: { mapping: { DOWN: 'BROKEN' } } } }],
    ['refreshIntervalMS', { refreshIntervalMS: 1000 }],
    ['resourceThresholds.heapDownRatio', { resourceThresholds: { heapDownRatio: 95 } }],
  ])('rejects an invalid option, naming the field %s', async (field, options) => {
    const booting = boot(options as HealthModuleOptions);

    await expect(booting).rejects.toThrow(HealthConfigError);
    await expect(booting).rejects.toThrow(`"${field}"`);
  });

  it('rejects an invalid option given by forRootAsync', async () => {
    const booting = bootExpectingFailure({
      imports: [HealthModule.forRootAsync({ useFactory: () => ({ refreshIntervalMs: 1.5 }), resources: false })],
    });

    await expect(booting).rejects.toThrow(/"refreshIntervalMs" must be a positive integer/);
  });

  it('rejects an invalid @HealthIndicator() option, naming the class and the field', async () => {
    await expect(boot(FAST, [NegativeTimeoutHealthIndicator])).rejects.toThrow(
      /NegativeTimeoutHealthIndicator: @HealthIndicator\(\) option "timeoutMs"/,
    );
  });

  it('rejects a group member that names no indicator', async () => {
    await expect(boot({ ...FAST, groups: { readiness: { members: ['cluster', 'mqtt/tls-tcp-listener-8883'] } } })).rejects.toThrow(
      /Health group "readiness" names "mqtt\/tls-tcp-listener-8883", but no health indicator has that name/,
    );
  });

  it('rejects an indicator joining an undeclared group', async () => {
    await expect(boot(FAST, [EdgeBridgeHealthIndicator])).rejects.toThrow(
      /EdgeBridgeHealthIndicator joins health group "edge", which is not declared/,
    );
  });

  it('boots once that group is declared', async () => {
    const app = await bootApp(platform, {
      imports: [HealthModule.forRoot({ ...FAST, groups: { edge: {} }, resources: false })],
      providers: [EdgeBridgeHealthIndicator],
    });
    try {
      expect(app.get(HealthService).snapshot().groups.edge.components).toEqual({ bridge: { status: 'UP' } });
    } finally {
      await app.close();
    }
  });

  it('rejects a custom group named like an indicator', async () => {
    await expect(boot({ ...FAST, groups: { cluster: { members: [] } } })).rejects.toThrow(
      /"cluster" is both a health group and the name of health indicator ClusterHealthIndicator/,
    );
  });

  it('rejects an indicator named like a built-in group', async () => {
    await expect(boot(FAST, [ReadinessNamedHealthIndicator])).rejects.toThrow(
      /"readiness" is both a health group and the name of health indicator ReadinessNamedHealthIndicator/,
    );
  });
});
