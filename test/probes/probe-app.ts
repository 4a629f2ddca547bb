import type { INestApplication } from '@nestjs/common';
import {
  HealthIndicator,
  HealthModule,
  HealthService,
  HealthStatus,
  type HealthComponent,
  type HealthModuleOptions,
} from 'nestjs-mqtt-health';
import { bootApp } from '../support/boot.js';

/** Components whose results a test sets directly; an Error is thrown by the check. */
export const state: Record<string, HealthComponent | null | Error> = {};

/** How many times each indicator's check() ran since the last resetState(). */
export const checkCalls: Record<string, number> = {};

export function resetState(): void {
  for (const name of Object.keys(checkCalls)) delete checkCalls[name];
  state.broker = { status: HealthStatus.UP, details: { 'broker-id': 'b1', 'node-id': 'node-1', 'connected-clients': 3 } };
  state.storage = { status: HealthStatus.UP, details: { type: 'redis', 'network-dependency': true } };
  state.cluster = { status: HealthStatus.UP, details: { 'node-id': 'node-1', 'is-leader': true, 'cluster-size': 3 } };
  state.mqtt = { status: HealthStatus.UP, components: { 'tcp-listener-1883': { status: HealthStatus.UP } } };
}

function fromState(name: string) {
  @HealthIndicator(name, { groups: ['readiness'] })
  class StateIndicator {
    check() {
      checkCalls[name] = (checkCalls[name] ?? 0) + 1;
      const result = state[name];
      if (result instanceof Error) throw result;
      return result;
    }
  }
  Object.defineProperty(StateIndicator, 'name', { value: `${name}Indicator` });
  return StateIndicator;
}

export const INDICATORS = ['broker', 'storage', 'cluster', 'mqtt'].map(fromState);

export interface ProbeApp {
  app: INestApplication;
  health: HealthService;
  url: string;
}

/** A Nest app whose dedicated health listener serves the given views on a free port. */
export async function bootProbeApp(
  options: HealthModuleOptions = {},
  views: NonNullable<NonNullable<HealthModuleOptions['healthApi']>['listeners']>[number]['views'] = ['hivemq', 'fluxmq', 'kubernetes'],
): Promise<ProbeApp> {
  resetState();
  const app = await bootApp('express', {
    imports: [
      HealthModule.forRoot({ refreshIntervalMs: 60_000, healthApi: { enabled: true, listeners: [{ port: 0, views }] }, ...options }),
    ],
    providers: INDICATORS,
  });
  const health = app.get(HealthService);
  const [listener] = health.listeners();
  return { app, health, url: `http://127.0.0.1:${listener.port}` };
}
