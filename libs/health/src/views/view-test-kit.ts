import { SnapshotBuilder, type IndicatorResult } from '../engine/snapshot-builder.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { GroupInput } from '../model/health-group.interface.js';
import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import { createHealthConfig } from '../options/health-config.js';
import type { HealthModuleOptions } from '../options/health-options.interface.js';
import type { ViewResponse } from './view-response.js';

export const config = createHealthConfig({ groups: { readiness: { members: ['cluster', 'mqtt'] } } });

/** A snapshot as the engine would publish it, with the liveness and readiness groups of `options`. */
export function snapshotOf(
  components: Record<string, HealthComponent | null>,
  options: HealthModuleOptions = { groups: { readiness: { members: ['cluster', 'mqtt'] } } },
  lifecycle = { started: true, draining: false },
): HealthSnapshot {
  const c = createHealthConfig(options);
  const inputs: GroupInput[] = c.groups
    .filter((g) => g.name === 'liveness' || g.name === 'readiness')
    .map((definition) => ({ definition, members: definition.members }));
  const results: IndicatorResult[] = Object.entries(components).map(([name, component]) => ({
    name,
    component,
    stats: { checkedAt: 0, durationMs: 0, failed: false, failures: 0 },
  }));
  return new SnapshotBuilder(c, inputs).build(results, 1000, 1000, lifecycle).snapshot;
}

export const body = (response: ViewResponse | undefined) => JSON.parse(response!.body!);

/** The seed's degraded MQTT component. */
export const degradedMqtt: HealthComponent = {
  status: 'DEGRADED',
  components: {
    'tcp-listener-1883': {
      status: 'UP',
      details: { 'bind-address': '0.0.0.0', 'is-proxy-protocol-supported': false, 'is-running': true, port: 1883, type: 'TCP Listener' },
    },
    'tls-tcp-listener-8883': {
      status: 'DEGRADED',
      details: {
        'bind-address': '0.0.0.0',
        'is-proxy-protocol-supported': false,
        'is-running': true,
        'last-tls-failure':
          "com.hivemq.security.exception.SslException: Not able to open or read KeyStore '/usr/lib/jvm/11/jre/lib/security/cacerts/keystore.jks' with type 'JKS'",
        port: 8883,
        type: 'TCP Listener with TLS',
      },
    },
  },
};
