import { BUILT_IN_GROUPS, type BuiltInGroup } from '../groups/built-in-groups.js';
import type { ViewName } from './health-options.interface.js';
import { fail, isPlainObject } from './option-checks.js';

/** Which group answers a view's liveness, readiness or startup routes, where it is not the group of that name. */
export type GroupAliases = Readonly<Partial<Record<BuiltInGroup, string>>>;

/** A view served by a listener; `prefix` is '' or 'a/b' (no outer slashes), undefined for the view's own default. */
export interface ViewMount {
  readonly view: ViewName;
  readonly prefix?: string;
  /** Undefined when every route answers from the group of its own name. */
  readonly groups?: GroupAliases;
}

export interface ListenerDefinition {
  readonly name: string;
  readonly port: number;
  readonly bindAddress: string;
  readonly views: readonly ViewMount[];
  readonly maxConnections: number;
}

export interface HealthApiConfig {
  readonly enabled: boolean;
  readonly listeners: readonly ListenerDefinition[];
}

export interface AgentCheckConfig {
  readonly enabled: boolean;
  readonly port: number;
  readonly bindAddress: string;
  readonly degradedWeightPercent: number;
}

export interface MetricsConfig {
  readonly processMetrics: boolean;
}

/**
 * Whether the Health API has a port of its own (a dedicated listener, the agent-check port): those answer
 * probes from bootstrap on, before the app serves; without one, probes reach it only through the app's server.
 */
export function hasOwnPort(config: { readonly healthApi: HealthApiConfig; readonly agentCheck: AgentCheckConfig }): boolean {
  return (config.healthApi.enabled && config.healthApi.listeners.length > 0) || config.agentCheck.enabled;
}

export function metricsOptions(value: unknown): MetricsConfig {
  if (value === undefined) return { processMetrics: false };
  if (!isPlainObject(value)) fail('metrics', 'must be an object { processMetrics }', value);
  const { processMetrics = false, ...rest } = value;
  for (const key of Object.keys(rest)) fail(`metrics.${key}`, 'is not an option (processMetrics)', rest[key]);
  if (typeof processMetrics !== 'boolean') fail('metrics.processMetrics', 'must be a boolean', processMetrics);
  return { processMetrics };
}

export function agentCheckOptions(value: unknown): AgentCheckConfig {
  if (value !== undefined && !isPlainObject(value))
    fail('agentCheck', 'must be an object { enabled, port, bindAddress, degradedWeightPercent }', value);
  const {
    enabled = false,
    port = 8890,
    bindAddress = '127.0.0.1',
    degradedWeightPercent = 50,
    ...rest
  } = (value ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(rest))
    fail(`agentCheck.${key}`, 'is not an option (enabled, port, bindAddress, degradedWeightPercent)', rest[key]);
  if (typeof enabled !== 'boolean') fail('agentCheck.enabled', 'must be a boolean', enabled);
  if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535)
    fail('agentCheck.port', 'must be a port number (0-65535)', port);
  if (typeof bindAddress !== 'string' || !bindAddress) fail('agentCheck.bindAddress', 'must be an address such as 127.0.0.1', bindAddress);
  if (!Number.isInteger(degradedWeightPercent) || (degradedWeightPercent as number) < 1 || (degradedWeightPercent as number) > 100) {
    fail('agentCheck.degradedWeightPercent', 'must be an integer percentage from 1 to 100', degradedWeightPercent);
  }
  return { enabled, port: port as number, bindAddress, degradedWeightPercent: degradedWeightPercent as number };
}

const LISTENER_KEYS = ['port', 'bindAddress', 'name', 'views', 'maxConnections'];
/** Probes are a handful of connections; the cap keeps the health port from taking the descriptors MQTT needs. */
export const DEFAULT_MAX_CONNECTIONS = 128;

/**
 * `viewNames`: the views that exist, to refuse a listener naming another; `groupNames`: the groups
 * configured, to refuse a view mount naming another. Each unchecked when omitted.
 */
export function healthApiOptions(value: unknown, viewNames?: readonly string[], groupNames?: readonly string[]): HealthApiConfig {
  if (value === undefined) return { enabled: false, listeners: [] };
  if (!isPlainObject(value)) fail('healthApi', 'must be an object { enabled, listeners }', value);
  const { enabled = false, listeners = [{}], ...rest } = value;
  for (const key of Object.keys(rest)) fail(`healthApi.${key}`, 'is not an option (enabled, listeners)', rest[key]);
  if (typeof enabled !== 'boolean') fail('healthApi.enabled', 'must be a boolean', enabled);
  if (!Array.isArray(listeners) || listeners.length === 0)
    fail('healthApi.listeners', 'must be a non-empty array of { port, bindAddress, name, views }', listeners);
  const names = new Set<string>();
  const definitions = listeners.map((listener, index) => {
    const field = `healthApi.listeners[${index}]`;
    if (!isPlainObject(listener)) fail(field, 'must be an object { port, bindAddress, name, views }', listener);
    for (const key of Object.keys(listener))
      if (!LISTENER_KEYS.includes(key)) fail(`${field}.${key}`, `is not a listener option (${LISTENER_KEYS.join(', ')})`, listener[key]);
    const { port = 8889, bindAddress = '127.0.0.1', views = ['hivemq'], maxConnections = DEFAULT_MAX_CONNECTIONS } = listener;
    if (!Number.isInteger(maxConnections) || (maxConnections as number) < 1)
      fail(`${field}.maxConnections`, 'must be a positive integer', maxConnections);
    if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535)
      fail(`${field}.port`, 'must be a port number (0-65535)', port);
    if (typeof bindAddress !== 'string' || !bindAddress) fail(`${field}.bindAddress`, 'must be an address such as 127.0.0.1', bindAddress);
    const name = listener.name ?? `http-listener-${port}`;
    if (typeof name !== 'string' || !name) fail(`${field}.name`, 'must be a non-empty string', name);
    if (names.has(name)) fail(`${field}.name`, 'must be unique among listeners', name);
    names.add(name);
    if (!Array.isArray(views) || views.length === 0)
      fail(`${field}.views`, `must be a non-empty array of view names${known(viewNames)}`, views);
    const mounts = views.map((entry, i): ViewMount => {
      const spec = typeof entry === 'string' ? { view: entry } : entry;
      if (!isPlainObject(spec) || typeof spec.view !== 'string' || (viewNames && !viewNames.includes(spec.view))) {
        fail(`${field}.views[${i}]`, `must name a view${known(viewNames)} or be { view, prefix, groups }`, entry);
      }
      const { view, prefix, groups, ...rest } = spec;
      for (const key of Object.keys(rest)) fail(`${field}.views[${i}].${key}`, 'is not a view option (view, prefix, groups)', rest[key]);
      if (prefix !== undefined && (typeof prefix !== 'string' || /[?#\s]/.test(prefix)))
        fail(`${field}.views[${i}].prefix`, 'must be a URL path such as /probes', prefix);
      return {
        view: view as ViewName,
        prefix: prefix === undefined ? undefined : (prefix as string).replace(/^\/+|\/+$/g, ''),
        ...aliases(`${field}.views[${i}].groups`, groups, groupNames),
      };
    });
    return { name, port: port as number, bindAddress, views: mounts, maxConnections: maxConnections as number };
  });
  return { enabled, listeners: definitions };
}

/** `{ liveness: 'zeebe-liveness' }`: each built-in group a view answers from, mapped to a configured group. */
function aliases(field: string, value: unknown, groupNames: readonly string[] | undefined): { groups?: GroupAliases } {
  if (value === undefined) return {};
  if (!isPlainObject(value)) fail(field, `must be an object of ${BUILT_IN_GROUPS.join(', ')} → group name`, value);
  const groups: Partial<Record<BuiltInGroup, string>> = {};
  for (const [role, group] of Object.entries(value)) {
    if (!(BUILT_IN_GROUPS as readonly string[]).includes(role))
      fail(`${field}.${role}`, `is not a group a view answers from (${BUILT_IN_GROUPS.join(', ')})`, group);
    if (typeof group !== 'string' || (groupNames ? !groupNames.includes(group) : !group))
      fail(`${field}.${role}`, `must name a configured group${groupNames ? ` (${groupNames.join(', ')})` : ''}`, group);
    if (group !== role) groups[role as BuiltInGroup] = group;
  }
  return Object.keys(groups).length > 0 ? { groups } : {};
}

function known(viewNames: readonly string[] | undefined): string {
  return viewNames ? ` (${viewNames.join(', ')})` : '';
}
