/** Helpers shared by the HealthEngine and SnapshotBuilder specs. */
import type { HealthComponent } from '../model/health-component.interface.js';
import type { GroupInput } from '../model/health-group.interface.js';
import type { HealthComponentCheck } from '../model/health-indicator.interface.js';
import type { HealthLifecycle } from '../model/health-snapshot.interface.js';
import type { RegisteredIndicator } from '../model/registered-indicator.interface.js';
import { createHealthConfig } from '../options/health-config.js';
import type { HealthGroupOptions, HealthModuleOptions } from '../options/health-options.interface.js';
import { HealthEngine } from './health-engine.js';
import { SnapshotBuilder, type IndicatorResult } from './snapshot-builder.js';

export type Check = HealthComponentCheck['check'];

export const NOT_CHECKED = { status: 'UNKNOWN', details: { reason: 'not checked yet' } };

export function indicator(name: string, check: Check, options: Partial<RegisteredIndicator> = {}): RegisteredIndicator {
  return { name, className: `${name}HealthIndicator`, instance: { check }, groups: [], timeoutMs: 50, intervalMs: 0, ...options };
}

/** An engine with the indicators registered, as the explorer leaves it; no background timer runs. */
export function engineWith(indicators: RegisteredIndicator[], options: HealthModuleOptions = {}): HealthEngine {
  const config = createHealthConfig({ timeoutMs: 50, logTransitions: false, ...options });
  const engine = new HealthEngine(config);
  const groups: GroupInput[] = config.groups.map((definition) => ({ definition, members: definition.members }));
  engine.register(indicators, groups);
  return engine;
}

export const hang = () => new Promise<never>(() => {});

/** Started and not draining: groups follow their members. */
export const RUNNING: HealthLifecycle = { started: true, draining: false };

/** A builder for liveness, readiness and the given custom groups. */
export function builderFor(groups: Record<string, HealthGroupOptions> = {}): SnapshotBuilder {
  const config = createHealthConfig({ groups, logTransitions: false });
  const wanted = new Set(['liveness', 'readiness', ...Object.keys(groups)]);
  const inputs: GroupInput[] = config.groups
    .filter((g) => wanted.has(g.name))
    .map((definition) => ({ definition, members: definition.members }));
  return new SnapshotBuilder(config, inputs);
}

export function result(name: string, component: HealthComponent | null, failed = false): IndicatorResult {
  return { name, component, stats: { checkedAt: 5, durationMs: 2, failed, failures: failed ? 1 : 0 } };
}

export function mqtt(tls: HealthComponent = { status: 'UP' }): HealthComponent {
  return {
    status: 'UP',
    details: { listeners: 2 },
    components: { 'tcp-listener-1883': { status: 'UP', details: { port: 1883 } }, 'tls-tcp-listener-8883': tls },
  };
}
