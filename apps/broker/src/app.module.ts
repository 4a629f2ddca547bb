import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import {
  HealthModule,
  type HealthGroupOptions,
  type HealthListenerOptions,
  MQTT_BROKER_INFO,
  MQTT_BROKER_STATE,
  MQTT_CLUSTER_MEMBERSHIP,
  MQTT_EXTENSIONS,
  MQTT_HEALTH_INDICATORS,
  MQTT_LISTENERS,
  MQTT_STORAGE_PROBE,
  type BrokerInfo,
} from 'nestjs-mqtt-health';
import { BrokerService } from './broker/broker.service.js';
import { ClusterMembershipService } from './cluster/cluster-membership.service.js';
import { FleetHealthService } from './cluster/fleet-health.service.js';
import { BROKER_CONFIG, type BrokerConfig, ZEEBE_CLUSTER_GRACE_MS, ZEEBE_TIMEOUT_GRACE_MS } from './config/index.js';
import { ExtensionHost } from './extensions/extension-host.service.js';
import { MqttListenersService } from './listeners/mqtt-listeners.service.js';
import { version } from './version.js';

/** The demo broker: Aedes, its listeners, storage, cluster and extensions, and the Health API watching them. */
@Module({})
export class AppModule {
  static register(config: BrokerConfig): DynamicModule {
    const providers: Provider[] = [
      { provide: BROKER_CONFIG, useValue: config },
      BrokerService,
      MqttListenersService,
      ClusterMembershipService,
      FleetHealthService,
      ExtensionHost,
      ...MQTT_HEALTH_INDICATORS,
      { provide: MQTT_BROKER_STATE, useExisting: BrokerService },
      { provide: MQTT_STORAGE_PROBE, useExisting: BrokerService },
      { provide: MQTT_LISTENERS, useExisting: MqttListenersService },
      { provide: MQTT_CLUSTER_MEMBERSHIP, useExisting: ClusterMembershipService },
      {
        provide: MQTT_BROKER_INFO,
        useValue: { version, logLevel: config.logLevel.toUpperCase(), startedAt: Date.now() } satisfies BrokerInfo,
      },
    ];
    if (config.extensionsDir) providers.push({ provide: MQTT_EXTENSIONS, useExisting: ExtensionHost });
    return {
      module: AppModule,
      imports: [
        HealthModule.forRoot({
          startup: 'manual',
          drainMs: config.drainMs,
          groups: {
            // Liveness checks nothing external (HiveMQ, FluxMQ): a shared outage must never restart the whole fleet.
            // The event loop is the process itself: a stall past eventLoopDownMs (10 s) fails liveness.
            liveness: { members: ['event-loop'] },
            // Zeebe's gateway liveness, served at the actuator view's /actuator/health/liveness alone (healthListeners),
            // and only there: without the actuator view no route answers it, so it is not defined.
            ...(config.healthViews.some((entry) => entry.view === 'actuator') ? { [ZEEBE_LIVENESS]: zeebeLiveness(config) } : {}),
          },
          showDetails: config.healthDetails,
          authorize: config.healthToken ? bearer(config.healthToken) : undefined,
          // Disk usage of the volume that holds the broker's data, not of the working directory.
          resourceThresholds: { diskPath: config.dataDir },
          // Every second, and at least twice a heartbeat: a dead peer shows within 2.5 heartbeats.
          refreshIntervalMs: Math.min(1000, Math.floor(config.heartbeatMs / 2)),
          // The dedicated listener, outside any app pipeline (HiveMQ's health-api listener).
          // HEALTH_ENABLED=false: no listener and no agent-check port; the broker runs unwatched from outside.
          healthApi: config.healthEnabled ? { enabled: true, listeners: healthListeners(config) } : { enabled: false },
          agentCheck: {
            enabled: config.healthEnabled && config.healthAgentPort !== 0,
            port: config.healthAgentPort,
            bindAddress: config.healthBind,
          },
          controller: false,
        }),
      ],
      providers,
    };
  }
}

/** The group that answers the actuator view's liveness: Zeebe's gateway rule. */
const ZEEBE_LIVENESS = 'zeebe-liveness';

/**
 * Zeebe's gateway liveness: free memory and disk as conditions (`resources`), the event loop missing its
 * deadline for less than ten minutes and the cluster lost for less than five tolerated (seed defaults).
 */
function zeebeLiveness(config: BrokerConfig): HealthGroupOptions {
  return {
    members: ['resources', 'event-loop', 'cluster'],
    graceMs: {
      'event-loop': config.eventLoopLivenessGraceMs ?? ZEEBE_TIMEOUT_GRACE_MS,
      cluster: config.clusterLivenessGraceMs ?? ZEEBE_CLUSTER_GRACE_MS,
    },
  };
}

/**
 * `HEALTH_VIEWS` as listeners (config/health-views.ts): HEALTH_PORT, named HEALTH_LISTENER_NAME, for the
 * views without a port, one more per `name@:port` or `name@addr:port`. The actuator view answers its
 * liveness from Zeebe's rule; every other view keeps the liveness group.
 */
function healthListeners(config: BrokerConfig): HealthListenerOptions[] {
  return config.healthListeners.map(({ port, address, views }) => ({
    port,
    bindAddress: address,
    ...(port === config.healthPort && config.healthListenerName ? { name: config.healthListenerName } : {}),
    views: views.map(({ view, prefix }) => ({
      view,
      ...(prefix === undefined ? {} : { prefix }),
      ...(view === 'actuator' ? { groups: { liveness: ZEEBE_LIVENESS } } : {}),
    })),
  }));
}

/** `Authorization: Bearer <HEALTH_TOKEN>` shows details; the scheme is case-insensitive (RFC 9110), the token compared in constant time. */
function bearer(token: string): (request: unknown) => boolean {
  const expected = Buffer.from(token);
  return (request) => {
    const header = (request as IncomingMessage).headers?.authorization ?? '';
    const given = /^bearer +(\S+) *$/i.exec(header)?.[1];
    if (given === undefined) return false;
    const bytes = Buffer.from(given);
    return bytes.length === expected.length && timingSafeEqual(bytes, expected);
  };
}
