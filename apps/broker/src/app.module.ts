import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import {
  HealthModule,
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
import { BROKER_CONFIG, type BrokerConfig } from './config/index.js';
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
          // Liveness checks nothing external (seed 002): a shared outage must never restart the whole fleet.
          // Zeebe's rule, restart a node that stays out of its cluster, is opt-in (CLUSTER_LIVENESS_GRACE_MS).
          // The event loop is the process itself: a stall past eventLoopDownMs (10 s) fails liveness.
          groups: {
            liveness: config.clusterLivenessGraceMs
              ? { members: ['event-loop', 'cluster'], graceMs: { cluster: config.clusterLivenessGraceMs } }
              : { members: ['event-loop'] },
          },
          showDetails: config.healthDetails,
          authorize: config.healthToken ? bearer(config.healthToken) : undefined,
          // Disk usage of the volume that holds the broker's data, not of the working directory.
          resourceThresholds: { diskPath: config.dataDir },
          // Every second, and at least twice a heartbeat: a dead peer shows within 2.5 heartbeats.
          refreshIntervalMs: Math.min(1000, Math.floor(config.heartbeatMs / 2)),
          // The dedicated listener, outside any app pipeline (HiveMQ's health-api listener).
          healthApi: { enabled: true, listeners: healthListeners(config) },
          agentCheck: { enabled: config.healthAgentPort !== 0, port: config.healthAgentPort, bindAddress: config.healthBind },
          controller: false,
        }),
      ],
      providers,
    };
  }
}

/** `HEALTH_VIEWS` as listeners on HEALTH_BIND: HEALTH_PORT for the views without a port, one more per `name@:port`. */
function healthListeners(config: BrokerConfig): HealthListenerOptions[] {
  const byPort = new Map<number, HealthListenerOptions['views'] & object>([[config.healthPort, []]]);
  for (const { view, prefix, port = config.healthPort } of config.healthViews) {
    if (!byPort.has(port)) byPort.set(port, []);
    byPort.get(port)!.push(prefix === undefined ? view : { view, prefix });
  }
  return [...byPort].filter(([, views]) => views.length > 0).map(([port, views]) => ({ port, bindAddress: config.healthBind, views }));
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
