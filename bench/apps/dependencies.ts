import { setTimeout as sleep } from 'node:timers/promises';

/** The fake dependencies both health stacks check; the slow one counts its calls so the bench can see who calls it how often. */
export const dependencyCalls = { slow: 0 };

const SLOW_DEPENDENCY_MS = 20;

export function checkInstantDependency(): Record<string, unknown> {
  return { 'latency-ms': 0 };
}

export async function checkSlowDependency(): Promise<Record<string, unknown>> {
  dependencyCalls.slow++;
  await sleep(SLOW_DEPENDENCY_MS);
  return { 'latency-ms': SLOW_DEPENDENCY_MS };
}
