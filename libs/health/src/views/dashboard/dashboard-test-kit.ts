import { SnapshotBuilder, type IndicatorResult } from '../../engine/snapshot-builder.js';
import type { HealthComponent } from '../../model/health-component.interface.js';
import type { HealthSnapshot } from '../../model/health-snapshot.interface.js';
import { createHealthConfig } from '../../options/health-config.js';

/** Fixtures of the dashboard's specs (the page's state here, its event stream in transports/). */
export const config = createHealthConfig({ groups: { readiness: { members: ['storage', 'mqtt'] } } });

export const SECRET = 'redis://admin:hunter2@10.0.0.5 refused';

export function snapshotOf(components: Record<string, HealthComponent>, lifecycle = { started: true, draining: false }): HealthSnapshot {
  const inputs = config.groups.filter((g) => g.name !== 'startup').map((definition) => ({ definition, members: definition.members }));
  const results: IndicatorResult[] = Object.entries(components).map(([name, component]) => ({
    name,
    component,
    stats: { checkedAt: 0, durationMs: 0, failed: false, failures: 0 },
  }));
  return new SnapshotBuilder(config, inputs).build(results, 5000, 5000, lifecycle).snapshot;
}

export const healthy = {
  broker: { status: 'UP', details: { 'node-id': 'node-1' } },
  storage: { status: 'DOWN', details: { reason: SECRET } },
  mqtt: { status: 'UP', components: { 'tcp-listener-1883': { status: 'UP', details: { port: 1883 } } } },
} satisfies Record<string, HealthComponent>;
