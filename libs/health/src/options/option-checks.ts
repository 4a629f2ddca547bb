import { HealthConfigError } from '../errors/health.errors.js';
import { INVALID_OPTION } from '../errors/messages.js';

export function positiveInteger(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) <= 0) fail(field, 'must be a positive integer of milliseconds', value);
  return value as number;
}

export function nonNegativeInteger(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < 0) fail(field, 'must be a non-negative integer of milliseconds', value);
  return value as number;
}

export function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) fail(field, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`, value);
  return value as T;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function fail(field: string, expected: string, got: unknown): never {
  throw new HealthConfigError(INVALID_OPTION(field, expected, got));
}
