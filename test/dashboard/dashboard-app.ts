import type { INestApplication } from '@nestjs/common';
import {
  HealthIndicator,
  HealthModule,
  HealthService,
  HealthStatus,
  type FleetSource,
  type HealthComponent,
  type HealthModuleOptions,
} from 'nestjs-mqtt-health';
import { bootApp } from '../support/boot.js';

/** The broker component's next result; the tests flip it. */
export const broker: { result: HealthComponent } = { result: upBroker() };

export function upBroker(): HealthComponent {
  return { status: HealthStatus.UP, details: { 'node-id': 'node-1', 'connected-clients': 3 } };
}

@HealthIndicator('broker', { groups: ['readiness'] })
class BrokerIndicator {
  check() {
    return broker.result;
  }
}

@HealthIndicator('mqtt', { groups: ['readiness'] })
class MqttIndicator {
  check(): HealthComponent {
    return {
      status: HealthStatus.UP,
      components: {
        'tcp-listener-1883': { status: HealthStatus.UP, details: { port: 1883, 'bind-address': '0.0.0.0' } },
        'ws-listener-8080': { status: HealthStatus.UP, details: { port: 8080, path: '/mqtt' } },
      },
    };
  }
}

@HealthIndicator('storage')
class StorageIndicator {
  check(): HealthComponent {
    return { status: HealthStatus.DEGRADED, details: { type: 'redis', reason: 'replica lagging 4 s' } };
  }
}

export interface DashboardApp {
  app: INestApplication;
  health: HealthService;
  /** The listener's base URL, serving the HiveMQ tree and the dashboard at `/ui` (the fleet page at `/ui/fleet`). */
  url: string;
}

/**
 * A Nest app whose dedicated listener serves the HiveMQ view and the dashboard on a free port; its
 * fleet is `fleet`'s members, or this node alone.
 */
export async function bootDashboardApp(options: HealthModuleOptions = {}, fleet?: FleetSource): Promise<DashboardApp> {
  broker.result = upBroker();
  const app = await bootApp('express', {
    imports: [
      HealthModule.forRoot({
        refreshIntervalMs: 60_000,
        healthApi: { enabled: true, listeners: [{ port: 0, views: ['hivemq', 'ui'] }] },
        ...options,
        resources: false,
      }),
    ],
    providers: [BrokerIndicator, MqttIndicator, StorageIndicator],
  });
  const health = app.get(HealthService);
  if (fleet) health.useFleet(fleet);
  const [listener] = health.listeners();
  return { app, health, url: `http://127.0.0.1:${listener.port}` };
}
