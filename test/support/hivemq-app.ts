import type { INestApplication } from '@nestjs/common';
import { HealthModule, HealthStatus, type HealthModuleOptions } from 'nestjs-mqtt-health';
import type { Platform } from './boot.js';
import { ClusterHealthIndicator, ExtensionsHealthIndicator, MqttHealthIndicator, tlsListener } from './broker.health.js';
import { FAST, refreshed, startApp } from './health-app.js';

/**
 * The app of the HiveMQ Health API tests (test/health-api.*.e2e-spec.ts) and the answers it gives
 * while every indicator is UP.
 */

const { DOWN } = HealthStatus;

/** Readiness: cluster joins by its decorator, mqtt through the options. `tls` is a custom group on one listener. */
const OPTIONS: HealthModuleOptions = {
  ...FAST,
  groups: {
    readiness: { members: ['mqtt'] },
    tls: { members: ['mqtt/tls-tcp-listener-8883'], mapping: { DEGRADED: DOWN } },
  },
};

export const CLUSTER_UP = { status: 'UP', details: { 'cluster-size': 3, 'node-id': 'jS3bb', 'node-state': 'RUNNING' } };
const TCP_UP = { status: 'UP', details: { 'bind-address': '0.0.0.0', 'is-running': true, port: 1883, type: 'TCP Listener' } };
export const TLS_UP = {
  status: 'UP',
  details: { 'bind-address': '0.0.0.0', 'is-running': true, port: 8883, type: 'TCP Listener with TLS' },
};
export const MQTT_UP = { status: 'UP', components: { 'tcp-listener-1883': TCP_UP, 'tls-tcp-listener-8883': TLS_UP } };
export const ENTRYPOINT_UP = { status: 'UP', details: { 'started-at': 1713949817551 } };
export const EXTENSIONS_UP = {
  status: 'UP',
  components: {
    'my-ext': {
      status: 'UP',
      details: { author: 'Acme', enabled: true, name: 'My Extension', priority: 1000, version: '4.28.0' },
      components: { internals: { status: 'UP', components: { entrypoint: ENTRYPOINT_UP, services: { status: 'UP' } } } },
    },
  },
};

/** The MQTT component with the TLS listener in `status` (the parent takes the worst of its listeners). */
export function mqttWithTls(status: HealthStatus) {
  return { status, components: { 'tcp-listener-1883': TCP_UP, 'tls-tcp-listener-8883': { status, details: tlsListener(status) } } };
}

export interface HiveMqApp {
  app: INestApplication;
  clusterIndicator: ClusterHealthIndicator;
  mqtt: MqttHealthIndicator;
  extensions: ExtensionsHealthIndicator;
}

/** Boots the app with the cluster, mqtt and extensions indicators and the groups of OPTIONS; the caller closes it. */
export async function startHiveMqApp(platform: Platform): Promise<HiveMqApp> {
  const app = await startApp(platform, {
    imports: [HealthModule.forRoot({ ...OPTIONS, resources: false })],
    providers: [ClusterHealthIndicator, MqttHealthIndicator, ExtensionsHealthIndicator],
  });
  return {
    app,
    clusterIndicator: app.get(ClusterHealthIndicator),
    mqtt: app.get(MqttHealthIndicator),
    extensions: app.get(ExtensionsHealthIndicator),
  };
}

/** Puts every indicator back to UP and waits for a snapshot that shows it (run after each test). */
export async function resetHiveMqApp(app: INestApplication): Promise<void> {
  app.get(ClusterHealthIndicator).reset();
  app.get(MqttHealthIndicator).reset();
  app.get(ExtensionsHealthIndicator).reset();
  await refreshed(app);
}
