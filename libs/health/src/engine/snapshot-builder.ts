import { SYSTEM_STATE_GROUPS } from '../groups/built-in-groups.js';
import { evaluateGroup } from '../groups/evaluate-group.js';
import { holdGroups } from '../groups/evaluate-group.js';
import { isFailing } from '../groups/verdicts.js';
import type { GroupInput, HealthGroupResult } from '../model/health-group.interface.js';
import type { HealthConfig } from '../options/health-config.js';
import { walkComponents } from '../model/component-tree.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import { HealthStatus } from '../model/health-status.js';
import type { CheckStats, HealthLifecycle, HealthSnapshot, HealthTransition } from '../model/health-snapshot.interface.js';

/** The latest result of one indicator; `component` null means absent (not applicable). */
export interface IndicatorResult {
  readonly name: string;
  readonly component: HealthComponent | null;
  readonly stats: CheckStats;
}

interface Observed {
  status: HealthStatus;
  /** Monotonic. */
  since: number;
  reason?: string;
}

/**
 * Assembles snapshots from indicator results and tracks, across snapshots, since when each
 * component and group has had its status: that drives grace windows and the transition stream.
 * Time comes in as arguments, so it is tested without timers: `now` is the wall-clock time (epoch ms)
 * that snapshots and transitions show, `monotonic` the clock grace windows are measured on, so a step
 * of the wall clock neither ends nor stretches a grace window (the engine passes `performance.now()`).
 */
export class SnapshotBuilder {
  private readonly observed = new Map<string, Observed>();
  private readyReached = false;

  constructor(
    private readonly config: HealthConfig,
    private readonly groupInputs: readonly GroupInput[],
  ) {}

  build(
    results: readonly IndicatorResult[],
    now: number,
    refreshedAt: number,
    lifecycle: HealthLifecycle,
    monotonic = now,
  ): { snapshot: HealthSnapshot; transitions: HealthTransition[] } {
    // Whole milliseconds, as the time left of a grace window is shown (performance.now() has fractions).
    const clock = Math.round(monotonic);
    const components: Record<string, HealthComponent> = {};
    const checks: Record<string, CheckStats> = {};
    for (const result of results) {
      checks[result.name] = result.stats;
      if (result.component) components[result.name] = this.config.order.resolve(result.component);
    }
    const transitions: HealthTransition[] = [];
    const seen = new Set<string>();
    const observe = (
      key: string,
      kind: HealthTransition['kind'],
      path: string,
      node: { status: HealthStatus; details?: Record<string, unknown> },
    ) => {
      seen.add(key);
      const reason = typeof node.details?.reason === 'string' ? node.details.reason : undefined;
      const previous = this.observed.get(key);
      if (previous?.status === node.status) return;
      this.observed.set(key, { status: node.status, since: clock, reason });
      transitions.push({ kind, path, from: previous?.status ?? null, to: node.status, at: now, ...(reason ? { reason } : {}) });
    };
    walkComponents(components, (path, node) => observe(`c:${path}`, 'component', path, node));
    const since = (path: string) => this.observed.get(`c:${path}`)?.since;
    const groups = assembleGroups(this.groupInputs, components, this.config, since, clock, lifecycle);
    for (const [name, group] of Object.entries(groups)) observe(`g:${name}`, 'group', name, group);
    for (const [key, previous] of this.observed) {
      if (seen.has(key)) continue;
      this.observed.delete(key);
      const kind = key.startsWith('g:') ? 'group' : 'component';
      transitions.push({ kind, path: key.slice(2), from: previous.status, to: null, at: now });
    }
    this.readyReached ||= !isFailing(this.config, groups.readiness);
    const snapshot = freeze({
      at: now,
      refreshedAt,
      stale: false,
      status: systemStatus(components, groups, this.config),
      components,
      groups,
      checks,
      started: lifecycle.started,
      draining: lifecycle.draining,
      readyReached: this.readyReached,
    });
    return { snapshot, transitions };
  }

  /** The same snapshot with every component DOWN because no refresh completed in time. Changes no tracked state. */
  stale(snapshot: HealthSnapshot, now: number): HealthSnapshot {
    const reason = `stale: no health refresh completed since ${new Date(snapshot.refreshedAt).toISOString()}`;
    const components: Record<string, HealthComponent> = {};
    for (const [name, component] of Object.entries(snapshot.components)) components[name] = markDown(component, reason);
    // Stale data earns no grace window: it would be measured from before the refresher stalled, and the
    // stale snapshot is cached, so a member forgiven once would stay forgiven for good.
    const groups = assembleGroups(this.groupInputs, components, this.config, () => undefined, now, snapshot);
    return freeze({ ...snapshot, at: now, stale: true, status: systemStatus(components, groups, this.config), components, groups });
  }
}

function assembleGroups(
  inputs: readonly GroupInput[],
  components: Record<string, HealthComponent>,
  config: HealthConfig,
  since: (path: string) => number | undefined,
  /** The clock of `since`. */
  now: number,
  lifecycle: HealthLifecycle,
): Record<string, HealthGroupResult> {
  const groups: Record<string, HealthGroupResult> = {};
  for (const input of inputs) groups[input.definition.name] = evaluateGroup(input, components, config.order, since, now);
  // The one place the hold reason is decided and written (details.reason of readiness and startup).
  return holdGroups(groups, lifecycle);
}

/** HiveMQ's system status: all components, plus the liveness and readiness states. */
function systemStatus(
  components: Record<string, HealthComponent>,
  groups: Record<string, HealthGroupResult>,
  config: HealthConfig,
): HealthStatus {
  const statuses = Object.values(components).map((c) => c.status);
  for (const name of SYSTEM_STATE_GROUPS) if (groups[name]) statuses.push(groups[name].status);
  return config.order.worst(statuses);
}

/** The whole subtree DOWN, so no group member (a sub-component path included) passes on stale results. */
function markDown(component: HealthComponent, reason: string): HealthComponent {
  const down: HealthComponent = { status: HealthStatus.DOWN, details: { ...component.details, reason } };
  if (component.components) {
    down.components = {};
    for (const [name, child] of Object.entries(component.components)) down.components[name] = markDown(child, reason);
  }
  return down;
}

function freeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) freeze(child);
  }
  return value;
}
