import type { HealthComponent } from '../model/health-component.interface.js';
import { HealthStatus } from '../model/health-status.js';
import { StatusOrder } from '../model/status-order.js';

const DEFAULT_ORDER = new StatusOrder();

/**
 * What a @nestjs/terminus indicator returns (its `TerminusIndicatorResult`), described here so that the
 * library needs no Terminus at all: an app that has Terminus passes its results as they are.
 */
export type TerminusIndicatorResult = Record<string, { status: string; [key: string]: unknown }>;

const STATUS: Record<string, HealthStatus> = { up: HealthStatus.UP, degraded: HealthStatus.DEGRADED, down: HealthStatus.DOWN };

/**
 * Turns a @nestjs/terminus indicator result into a component. One key becomes that component
 * (its extra fields become details); several keys become sub-components of an aggregated parent.
 */
export function fromTerminusResult(result: TerminusIndicatorResult): HealthComponent {
  const entries = Object.entries(result);
  const components: Record<string, HealthComponent> = {};
  for (const [key, { status, ...details }] of entries) {
    components[key] = { status: STATUS[status] ?? HealthStatus.UNKNOWN, ...(Object.keys(details).length ? { details } : {}) };
  }
  if (entries.length === 1) return components[entries[0][0]];
  return { status: DEFAULT_ORDER.worst(Object.values(components).map((c) => c.status)), components };
}

/**
 * Runs a Terminus check and converts its outcome, including the error some Terminus indicators
 * throw with their result in `causes`. Any other error propagates (the engine reports it DOWN).
 */
export async function checkWithTerminus(check: () => PromiseLike<TerminusIndicatorResult>): Promise<HealthComponent> {
  try {
    return fromTerminusResult(await check());
  } catch (error) {
    const causes = (error as { causes?: unknown } | null | undefined)?.causes;
    if (causes && typeof causes === 'object') return fromTerminusResult(causes as TerminusIndicatorResult);
    throw error;
  }
}
