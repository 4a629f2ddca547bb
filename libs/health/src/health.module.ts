import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule, HttpAdapterHost } from '@nestjs/core';
import { HealthEngine } from './engine/health-engine.js';
import { HealthFleet } from './fleet/health-fleet.js';
import { HEALTH_CONFIG } from './health.constants.js';
import { ConfigurableHealthModule, HEALTH_FOR_ROOT_OPTIONS, HEALTH_MODULE_OPTIONS } from './health.module-definition.js';
import { HealthService } from './health.service.js';
import { HealthMetrics } from './metrics/health-metrics.js';
import { HealthIndicatorExplorer } from './indicator/health-indicator.explorer.js';
import { createHealthConfig, type HealthConfig } from './options/health-config.js';
import type { HealthModuleOptions } from './options/health-options.interface.js';
import { AgentCheckServer, HealthListeners, HealthRequestHandler, HealthTransports } from './transports/index.js';
import { VIEW_NAMES } from './views/view-registry.js';

/**
 * The Health API. `HealthModule.forRoot(options)` or `forRootAsync({ useFactory, inject })`;
 * every @HealthIndicator provider in the app becomes a component of the tree.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: HEALTH_CONFIG,
      useFactory: (options: HealthModuleOptions) => createHealthConfig(options, VIEW_NAMES),
      inject: [HEALTH_MODULE_OPTIONS],
    },
    HealthIndicatorExplorer,
    {
      // The engine asks the explorer for the indicators at module init, once every provider exists.
      provide: HealthEngine,
      useFactory: (config: HealthConfig, explorer: HealthIndicatorExplorer, host?: HttpAdapterHost) =>
        new HealthEngine(config, () => explorer.explore(), host),
      inject: [HEALTH_CONFIG, HealthIndicatorExplorer, { token: HttpAdapterHost, optional: true }],
    },
    HealthFleet,
    HealthRequestHandler,
    HealthListeners,
    AgentCheckServer,
    HealthTransports,
    HealthMetrics,
    HealthService,
  ],
  exports: [HealthService, HealthMetrics],
})
export class HealthModule extends ConfigurableHealthModule {
  /** The module with `options`; `HealthModule.forRoot()` takes every default. */
  static override forRoot(options: typeof HEALTH_FOR_ROOT_OPTIONS = {}): DynamicModule {
    return super.forRoot(options);
  }
}
