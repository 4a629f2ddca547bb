import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { HealthModuleExtras, HealthModuleOptions } from './options/health-options.interface.js';
import { EventLoopHealthIndicator } from './runtime/event-loop.health.js';
import { ResourcesHealthIndicator } from './terminus/resources.health.js';
import { createHealthController, DEFAULT_HEALTH_PATH } from './transports/health.controller.js';

export const {
  ConfigurableModuleClass: ConfigurableHealthModule,
  MODULE_OPTIONS_TOKEN: HEALTH_MODULE_OPTIONS,
  OPTIONS_TYPE: HEALTH_FOR_ROOT_OPTIONS,
} = new ConfigurableModuleBuilder<HealthModuleOptions>({ moduleName: 'Health' })
  .setClassMethodName('forRoot')
  .setExtras<HealthModuleExtras>(
    { isGlobal: false, path: DEFAULT_HEALTH_PATH, controller: true, resources: true },
    (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
      controllers: [
        ...(definition.controllers ?? []),
        ...(extras.controller === false ? [] : [createHealthController(extras.path ?? DEFAULT_HEALTH_PATH)]),
      ],
      providers: [
        ...(definition.providers ?? []),
        ...(extras.resources === false ? [] : [ResourcesHealthIndicator, EventLoopHealthIndicator]),
      ],
    }),
  )
  .build();
