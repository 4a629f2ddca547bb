import { Module, type Type } from '@nestjs/common';
import { HealthModule, type HealthListenerOptions } from 'nestjs-mqtt-health';
import { InstantAHealthIndicator, InstantBHealthIndicator } from './bench.health.js';
import { TREE_INDICATORS } from './tree.health.js';

// Apps served on the module's dedicated listeners, outside any Nest HTTP server (no host-app controller).

const listener = (name: string, views: HealthListenerOptions['views'], maxConnections?: number): HealthListenerOptions => ({
  name,
  port: 0,
  bindAddress: '127.0.0.1',
  views,
  ...(maxConnections ? { maxConnections } : {}),
});

/**
 * Readiness on the listener (HiveMQ view), vs bare node:http at 100 and 1000 connections, 1M probes,
 * and the CPU profile. The cap is raised from its default (128) so that 1000 connections are served.
 */
@Module({
  imports: [
    HealthModule.forRoot({
      refreshIntervalMs: 1000,
      controller: false,
      healthApi: { enabled: true, listeners: [listener('main', ['hivemq'], 1100)] },
    }),
  ],
  providers: [InstantAHealthIndicator, InstantBHealthIndicator],
})
class ListenerAppModule {}

/**
 * Every built-in view's probe routes. FluxMQ owns /ready and /health, so Zeebe is mounted under
 * /zeebe; Terminus' /health subtree also collides with FluxMQ's /health, so it has a listener of its own.
 */
@Module({
  imports: [
    HealthModule.forRoot({
      refreshIntervalMs: 1000,
      controller: false,
      resources: false,
      healthApi: {
        enabled: true,
        listeners: [
          listener('main', ['hivemq', 'fluxmq', 'kubernetes', 'actuator', { view: 'zeebe', prefix: '/zeebe' }]),
          listener('terminus', ['terminus']),
        ],
      },
    }),
  ],
  providers: [InstantAHealthIndicator, InstantBHealthIndicator],
})
class ViewsAppModule {}

/** The 50-component tree in on-request mode: every scrape waits for one fresh, coalesced refresh. */
@Module({
  imports: [
    HealthModule.forRoot({
      checkMode: 'on-request',
      logTransitions: false,
      controller: false,
      resources: false,
      healthApi: { enabled: true, listeners: [listener('main', ['metrics', 'kubernetes'])] },
    }),
  ],
  providers: [...TREE_INDICATORS],
})
class TreeAppModule {}

/** The same tree refreshed in the background, flooded with pipelined /metrics while a fresh client probes /readyz. */
@Module({
  imports: [
    HealthModule.forRoot({
      refreshIntervalMs: 1000,
      controller: false,
      resources: false,
      healthApi: { enabled: true, listeners: [listener('main', ['metrics', 'kubernetes'])] },
    }),
  ],
  providers: [...TREE_INDICATORS],
})
class FloodAppModule {}

export const LISTENER_APPS: Readonly<Record<string, Type<unknown>>> = {
  listener: ListenerAppModule,
  views: ViewsAppModule,
  tree: TreeAppModule,
  flood: FloodAppModule,
};
