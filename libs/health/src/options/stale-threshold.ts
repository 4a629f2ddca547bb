/** The timings the stale threshold depends on: `staleAfterMs` as the user gave it, undefined when not given. */
export interface StaleTimings {
  readonly refreshIntervalMs: number;
  /** The default check timeout, for indicators that set none. */
  readonly timeoutMs: number;
  readonly staleAfterMs?: number;
}

/**
 * How long probes trust the last completed refresh before every component reads DOWN: `staleAfterMs`
 * as given, else three refresh intervals plus the slowest check, since a refresh lasts as long as it.
 */
export function staleThresholdMs(timings: StaleTimings, indicatorTimeoutsMs: readonly number[]): number {
  if (timings.staleAfterMs !== undefined) return timings.staleAfterMs;
  return 3 * timings.refreshIntervalMs + Math.max(timings.timeoutMs, ...indicatorTimeoutsMs);
}

/**
 * Whether a refresh that waits a full interval and then a check's whole `timeoutMs` still completes
 * within the threshold in force; if not, every refresh could read as stale.
 */
export function refreshFitsStaleThreshold(timings: StaleTimings, timeoutMs: number): boolean {
  return timings.refreshIntervalMs + timeoutMs < staleThresholdMs(timings, [timeoutMs]);
}
