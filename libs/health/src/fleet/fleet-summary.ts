import { failureText } from '../groups/verdicts.js';
import type { FleetNodeState, FleetSummary } from '../model/fleet.interface.js';
import { visible } from '../model/component-tree.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import { HealthStatus, isHealthStatus } from '../model/health-status.js';

/** The most a summary weighs as JSON: what a member writes to the shared store and publishes. */
export const MAX_SUMMARY_BYTES = 16 * 1024;
/** Failing components kept below the top level; those past it are counted in `truncated`. */
export const MAX_FAILING_COMPONENTS = 32;
/** A reason is cut to this many characters (bodies cut at 500; a summary travels to every member). */
export const MAX_SUMMARY_REASON = 200;
/** Groups and top-level components kept, and the length of a name. */
const MAX_ENTRIES = 64;
const MAX_NAME = 100;

/** Where the node is in its life, from its snapshot: draining is leaving, not started is joining. */
export function nodeState(snapshot: Pick<HealthSnapshot, 'started' | 'draining'>): FleetNodeState {
  if (snapshot.draining) return 'LEAVING';
  return snapshot.started ? 'RUNNING' : 'JOINING';
}

/**
 * What this node shares of `snapshot`: its status, state, every group's verdict, every top-level
 * component's status and, below them, the branches that are not UP down to the failing components with
 * their reasons. Within MAX_SUMMARY_BYTES: failing components past the limits are counted in `truncated`.
 * `updatedAt` is `previous`'s when nothing else changed, so an unchanged summary is the same object.
 * Without `withDetails` (a node that shows details to no one) it holds no reason and no version.
 */
export function summarize(snapshot: HealthSnapshot, node: string, now: number, previous?: FleetSummary, withDetails = true): FleetSummary {
  let limit = MAX_FAILING_COMPONENTS;
  let summary = build(snapshot, node, limit, withDetails);
  while (Buffer.byteLength(JSON.stringify(summary.body)) > MAX_SUMMARY_BYTES - 64 && limit > 0) {
    limit = Math.floor(limit / 2);
    summary = build(snapshot, node, limit, withDetails);
  }
  const body = { ...summary.body, ...(summary.truncated > 0 ? { truncated: summary.truncated } : {}) };
  if (previous && sameSummary(previous, body)) return previous;
  return { ...body, updatedAt: new Date(now).toISOString() };
}

/** Whether two summaries give the same statuses, states and verdicts: what may differ is the text of reasons. */
export function sameStatuses(a: FleetSummary, b: FleetSummary): boolean {
  const skeleton = ({ status, state, groups, components, truncated }: FleetSummary) =>
    JSON.stringify([status, state, groups, truncated, Object.entries(components).map(([name, c]) => [name, visible(c, false)])]);
  return skeleton(a) === skeleton(b);
}

/** Whether two summaries say the same, whenever each was written. */
export function sameSummary(a: Omit<FleetSummary, 'updatedAt'>, b: Omit<FleetSummary, 'updatedAt'>): boolean {
  const { updatedAt: _a, ...restA } = a as FleetSummary;
  const { updatedAt: _b, ...restB } = b as FleetSummary;
  return JSON.stringify(restA) === JSON.stringify(restB);
}

/**
 * A summary read from the shared store or a message, rebuilt from what a summary may hold: undefined
 * unless it is one (within MAX_SUMMARY_BYTES, every status one of the six, every component an object with
 * at most a reason). What another writer put there (a bug, a hostile store) never reaches a body as is.
 */
export function parseSummary(text: string): FleetSummary | undefined {
  if (Buffer.byteLength(text) > MAX_SUMMARY_BYTES) return undefined;
  try {
    const value = JSON.parse(text) as Record<string, unknown> | null;
    if (!isObject(value) || !isName(value.node) || !isHealthStatus(value.status) || !isState(value.state)) return undefined;
    if (typeof value.updatedAt !== 'string' || value.updatedAt.length > 40) return undefined;
    const groups = statuses(value.groups);
    const components = tree(value.components, 0);
    if (!groups || !components) return undefined;
    const { version, truncated } = value;
    if (version !== undefined && !isName(version)) return undefined;
    if (truncated !== undefined && !(Number.isSafeInteger(truncated) && (truncated as number) > 0)) return undefined;
    return {
      v: 1,
      node: value.node,
      status: value.status,
      state: value.state,
      groups,
      components,
      ...(version === undefined ? {} : { version }),
      ...(truncated === undefined ? {} : { truncated: truncated as number }),
      updatedAt: value.updatedAt,
    };
  } catch {
    return undefined;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isName = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= MAX_NAME;
const isState = (value: unknown): value is FleetNodeState => value === 'JOINING' || value === 'RUNNING' || value === 'LEAVING';

function statuses(value: unknown): Record<string, HealthStatus> | undefined {
  if (!isObject(value) || Object.keys(value).length > MAX_ENTRIES) return undefined;
  const result: Record<string, HealthStatus> = {};
  for (const [name, status] of Object.entries(value)) {
    if (!isName(name) || !isHealthStatus(status)) return undefined;
    result[name] = status;
  }
  return result;
}

function tree(value: unknown, depth: number): Record<string, HealthComponent> | undefined {
  if (!isObject(value) || depth > 16 || Object.keys(value).length > MAX_ENTRIES) return undefined;
  const result: Record<string, HealthComponent> = {};
  for (const [name, node] of Object.entries(value)) {
    if (!isName(name) || !isObject(node) || !isHealthStatus(node.status)) return undefined;
    const component: HealthComponent = { status: node.status };
    if (node.details !== undefined) {
      const reason = isObject(node.details) ? node.details.reason : undefined;
      if (typeof reason !== 'string') return undefined;
      component.details = { reason: cut(reason, MAX_SUMMARY_REASON) };
    }
    if (node.components !== undefined) {
      const children = tree(node.components, depth + 1);
      if (!children) return undefined;
      component.components = children;
    }
    result[name] = component;
  }
  return result;
}

function build(
  snapshot: HealthSnapshot,
  node: string,
  limit: number,
  withDetails: boolean,
): { body: Omit<FleetSummary, 'updatedAt'>; truncated: number } {
  const budget = { left: limit, truncated: 0 };
  const groups: Record<string, HealthStatus> = {};
  for (const [name, group] of Object.entries(snapshot.groups).slice(0, MAX_ENTRIES)) groups[cut(name, MAX_NAME)] = group.status;
  const components: Record<string, HealthComponent> = {};
  for (const [name, component] of Object.entries(snapshot.components).slice(0, MAX_ENTRIES))
    components[cut(name, MAX_NAME)] = prune(component, budget, withDetails);
  const version = snapshot.components.info?.details?.version;
  const body = {
    v: 1 as const,
    node,
    status: snapshot.status,
    state: nodeState(snapshot),
    groups,
    components,
    ...(withDetails && typeof version === 'string' && version !== 'unknown' ? { version: cut(version, MAX_NAME) } : {}),
  };
  return { body, truncated: budget.truncated };
}

/** The component with its status; when not UP, its reason and the children that are not UP either, within the budget. */
function prune(component: HealthComponent, budget: { left: number; truncated: number }, withDetails: boolean): HealthComponent {
  if (component.status === HealthStatus.UP) return { status: component.status };
  const pruned: HealthComponent = { status: component.status };
  const reason = withDetails ? reasonOf(component) : undefined;
  if (reason !== undefined) pruned.details = { reason };
  const failing = Object.entries(component.components ?? {}).filter(([, child]) => child.status !== HealthStatus.UP);
  for (const [name, child] of failing) {
    if (budget.left <= 0) {
      budget.truncated++;
      continue;
    }
    budget.left--;
    pruned.components ??= {};
    pruned.components[cut(name, MAX_NAME)] = prune(child, budget, withDetails);
  }
  return pruned;
}

/** A component's reason: the failure text its details carry (verdicts.ts decides which keys). */
function reasonOf(component: HealthComponent): string | undefined {
  const reason = failureText(component);
  return reason === undefined ? undefined : cut(reason, MAX_SUMMARY_REASON);
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
