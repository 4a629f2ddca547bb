import { errorText, redactCredentials } from '../errors/error-text.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import { HEALTH_STATUSES, HealthStatus, isHealthStatus } from '../model/health-status.js';

const MAX_DEPTH = 16;

/**
 * Turns whatever an indicator returned into a private, JSON-safe copy, so a later mutation by the
 * indicator cannot change a published snapshot. Credentials in details strings (`redis://user:pass@`)
 * are redacted here, where results enter the engine. Throws a message describing the first problem.
 */
export function normalizeComponent(value: unknown, path = '(root)', depth = 0): HealthComponent {
  if (depth > MAX_DEPTH) throw new Error(`component tree deeper than ${MAX_DEPTH} at ${path}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${path} is not an object`);
  const { status, details, components, ...extra } = value as Record<string, unknown>;
  if (!isHealthStatus(status)) throw new Error(`${path}.status ${JSON.stringify(status)} is not one of ${HEALTH_STATUSES.join(', ')}`);
  const extraKeys = Object.keys(extra);
  if (extraKeys.length) throw new Error(`${path} has unexpected keys ${extraKeys.join(', ')} (use details)`);
  const result: HealthComponent = { status };
  if (details !== undefined) {
    if (typeof details !== 'object' || details === null || Array.isArray(details)) throw new Error(`${path}.details is not an object`);
    let json: string | undefined;
    try {
      json = JSON.stringify(details);
    } catch (error) {
      throw new Error(`${path}.details cannot be serialised: ${errorText(error)}`);
    }
    result.details = JSON.parse(json!, (_key, value: unknown) => (typeof value === 'string' ? redactCredentials(value) : value));
  }
  if (components !== undefined) {
    if (typeof components !== 'object' || components === null || Array.isArray(components))
      throw new Error(`${path}.components is not an object`);
    result.components = {};
    for (const [name, child] of Object.entries(components)) {
      if (!name || name.includes('/'))
        throw new Error(`${path} has a sub-component named ${JSON.stringify(name)}; names cannot be empty or contain "/"`);
      result.components[name] = normalizeComponent(child, `${path}.components.${name}`, depth + 1);
    }
  }
  return result;
}

/** The component that stands for a failed check; the reason goes to details, which visibility rules may hide. */
export function failedComponent(reason: string): HealthComponent {
  return { status: HealthStatus.DOWN, details: { reason: redactCredentials(reason) } };
}
