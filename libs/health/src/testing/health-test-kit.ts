/**
 * The one test kit of the library's specs: indicators, engines, builders and snapshots as the engine
 * publishes them. Only specs import it; it is not part of the build.
 */
import { HealthEngine } from '../engine/health-engine.js';
import { SnapshotBuilder, type IndicatorResult } from '../engine/snapshot-builder.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { GroupInput } from '../model/health-group.interface.js';
import type { HealthComponentCheck } from '../model/health-indicator.interface.js';
import type { HealthLifecycle, HealthSnapshot } from '../model/health-snapshot.interface.js';
import type { RegisteredIndicator } from '../model/registered-indicator.interface.js';
import { createHealthConfig, type HealthConfig } from '../options/health-config.js';
import type { HealthGroupOptions, HealthModuleOptions } from '../options/health-options.interface.js';
import type { HealthView } from '../views/health-view.interface.js';
import type { ViewResponse } from '../views/view-response.js';

export type Check = HealthComponentCheck['check'];

export const NOT_CHECKED = { status: 'UNKNOWN', details: { reason: 'not checked yet' } };

/** Started and not draining: groups follow their members. */
export const RUNNING: HealthLifecycle = { started: true, draining: false };

export const hang = () => new Promise<never>(() => {});

export function indicator(name: string, check: Check, options: Partial<RegisteredIndicator> = {}): RegisteredIndicator {
  return { name, className: `${name}HealthIndicator`, instance: { check }, groups: [], timeoutMs: 50, intervalMs: 0, ...options };
}

/** Every group of the config, with the members its options name. */
export function groupInputs(config: HealthConfig, names?: readonly string[]): GroupInput[] {
  return config.groups
    .filter((definition) => !names || names.includes(definition.name))
    .map((definition) => ({ definition, members: definition.members }));
}

/** An engine that has found the indicators, as Nest leaves it after module init; no background timer runs. */
export function engineWith(indicators: RegisteredIndicator[], options: HealthModuleOptions = {}): HealthEngine {
  const config = createHealthConfig({ timeoutMs: 50, logTransitions: false, ...options });
  const engine = new HealthEngine(config, () => ({ indicators, groups: groupInputs(config) }));
  engine.onModuleInit();
  return engine;
}

/** A builder for liveness, readiness and the given custom groups. */
export function builderFor(groups: Record<string, HealthGroupOptions> = {}): SnapshotBuilder {
  const config = createHealthConfig({ groups, logTransitions: false });
  return new SnapshotBuilder(config, groupInputs(config, ['liveness', 'readiness', ...Object.keys(groups)]));
}

export function result(name: string, component: HealthComponent | null, failed = false): IndicatorResult {
  return { name, component, stats: { checkedAt: 5, durationMs: 2, failed, failures: failed ? 1 : 0 } };
}

/** The options of the view specs: readiness made of the cluster and the MQTT listeners. */
export const VIEW_OPTIONS: HealthModuleOptions = { groups: { readiness: { members: ['cluster', 'mqtt'] } } };
export const config = createHealthConfig(VIEW_OPTIONS);

/** A snapshot as the engine would publish it at `at`, with the liveness and readiness groups of `options`. */
export function snapshotOf(
  components: Record<string, HealthComponent | null>,
  options: HealthModuleOptions = VIEW_OPTIONS,
  lifecycle: HealthLifecycle = RUNNING,
  at = 1000,
): HealthSnapshot {
  const c = createHealthConfig(options);
  const results = Object.entries(components).map(([name, component]) => ({
    name,
    component,
    stats: { checkedAt: 0, durationMs: 0, failed: false, failures: 0 },
  }));
  return new SnapshotBuilder(c, groupInputs(c, ['liveness', 'readiness'])).build(results, at, at, lifecycle).snapshot;
}

export const body = (response: ViewResponse | undefined) => JSON.parse(response!.body!);

export function mqtt(tls: HealthComponent = { status: 'UP' }): HealthComponent {
  return {
    status: 'UP',
    details: { listeners: 2 },
    components: { 'tcp-listener-1883': { status: 'UP', details: { port: 1883 } }, 'tls-tcp-listener-8883': tls },
  };
}

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

/** The dashboard's specs: readiness made of the store and the MQTT listeners, a store failing with a secret. */
export const DASHBOARD_OPTIONS: HealthModuleOptions = { groups: { readiness: { members: ['storage', 'mqtt'] } } };
export const dashboardConfig = createHealthConfig(DASHBOARD_OPTIONS);
export const SECRET = 'redis://admin:hunter2@10.0.0.5 refused';

export function dashboardSnapshot(components: Record<string, HealthComponent>, lifecycle: HealthLifecycle = RUNNING): HealthSnapshot {
  return snapshotOf(components, DASHBOARD_OPTIONS, lifecycle, 5000);
}

export const healthy = {
  broker: { status: 'UP', details: { 'node-id': 'node-1' } },
  storage: { status: 'DOWN', details: { reason: SECRET } },
  mqtt: { status: 'UP', components: { 'tcp-listener-1883': { status: 'UP', details: { port: 1883 } } } },
} satisfies Record<string, HealthComponent>;

/** A builder for every group of `options` (liveness, readiness, startup and custom ones), as the engine has them. */
export function everyGroupBuilder(options: HealthModuleOptions = VIEW_OPTIONS): SnapshotBuilder {
  const c = createHealthConfig(options);
  return new SnapshotBuilder(c, groupInputs(c));
}

/** What a request brings to a view besides the snapshot. */
export interface RequestFacts {
  readonly query?: string;
  readonly showDetails?: boolean;
  readonly config?: HealthConfig;
}

/** The answer of the view's route at `path` (below its prefix; a subtree route takes the rest as segments). */
export function renderAt(view: HealthView, path: string, snapshot: HealthSnapshot, request: RequestFacts = {}): ViewResponse | undefined {
  const parts = path.split('/').filter(Boolean);
  for (const route of view.routes) {
    const own = route.path.split('/').filter(Boolean);
    const deep = route.subtree ? parts.length >= own.length : parts.length === own.length;
    if (!deep || !own.every((part, i) => parts[i] === part)) continue;
    return route.render?.({
      snapshot,
      config: request.config ?? config,
      showDetails: request.showDetails ?? true,
      segments: parts.slice(own.length),
      query: request.query === undefined ? undefined : new URLSearchParams(request.query),
    });
  }
  throw new Error(`${view.name} has no route at "${path}"`);
}
