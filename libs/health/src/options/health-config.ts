import { HealthConfigError } from '../errors/health.errors.js';
import { INVALID_OPTION } from '../errors/messages.js';
import { DEFAULT_HTTP_STATUS, HEALTH_STATUSES, HealthStatus, isHealthStatus, READINESS_MAPPING } from '../status/health-status.js';
import { StatusOrder } from '../status/status-order.js';
import { ViewRouter, type MountedView } from '../transports/view-router.js';
import { BUILT_IN_VIEWS } from '../views/view-registry.js';
import type { CheckMode, DetailsVisibility, HealthModuleOptions, ResourcesOptions, StartupMode } from './health-options.interface.js';

export interface ListenerDefinition {
  readonly name: string;
  readonly port: number;
  readonly bindAddress: string;
  readonly router: ViewRouter;
}

export interface GroupDefinition {
  readonly name: string;
  readonly members: readonly string[];
  readonly mapping: Readonly<Partial<Record<HealthStatus, HealthStatus>>>;
  /** Grace per member path; members not listed have none. */
  readonly graceMs: Readonly<Record<string, number>> | number;
}

/** Validated options with every default filled in. */
export interface HealthConfig {
  readonly refreshIntervalMs: number;
  readonly timeoutMs: number;
  readonly staleAfterMs: number;
  /** Whether staleAfterMs was given; if not, the engine widens it to cover the slowest indicator's timeout. */
  readonly staleAfterMsGiven: boolean;
  readonly checkMode: CheckMode;
  readonly order: StatusOrder;
  readonly httpStatus: Readonly<Record<HealthStatus, number>>;
  readonly groups: readonly GroupDefinition[];
  readonly showDetails: DetailsVisibility;
  readonly authorize?: (request: unknown) => boolean | Promise<boolean>;
  readonly resourceThresholds: Required<Omit<ResourcesOptions, 'rssDegradedBytes' | 'rssDownBytes'>> &
    Pick<ResourcesOptions, 'rssDegradedBytes' | 'rssDownBytes'>;
  readonly logTransitions: boolean;
  readonly startup: StartupMode;
  readonly drainMs: number;
  readonly healthApi: { readonly enabled: boolean; readonly listeners: readonly ListenerDefinition[] };
  readonly metrics: { readonly processMetrics: boolean };
  readonly agentCheck: { readonly enabled: boolean; readonly port: number; readonly bindAddress: string; readonly degradedWeightPercent: number };
}

export const BUILT_IN_GROUPS = ['liveness', 'readiness', 'startup'] as const;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Validates user options and fills in defaults; throws HealthConfigError naming the field. */
export function createHealthConfig(options: HealthModuleOptions | undefined): HealthConfig {
  const o = options ?? {};
  if (typeof o !== 'object') fail('(options)', 'must be an object', o);
  const known = new Set([
    'refreshIntervalMs', 'timeoutMs', 'staleAfterMs', 'checkMode', 'statusOrder', 'httpStatus', 'groups',
    'showDetails', 'authorize', 'resourceThresholds', 'logTransitions', 'startup', 'drainMs', 'healthApi', 'metrics', 'agentCheck',
  ]);
  for (const key of Object.keys(o)) if (!known.has(key)) fail(key, `is not an option (options are ${[...known].join(', ')})`, (o as Record<string, unknown>)[key]);

  const refreshIntervalMs = positiveInteger('refreshIntervalMs', o.refreshIntervalMs, 1000);
  const timeoutMs = positiveInteger('timeoutMs', o.timeoutMs, 2000);
  const staleAfterMs = positiveInteger('staleAfterMs', o.staleAfterMs, 3 * refreshIntervalMs + timeoutMs);
  if (staleAfterMs <= refreshIntervalMs) fail('staleAfterMs', `must be greater than refreshIntervalMs (${refreshIntervalMs})`, staleAfterMs);
  const checkMode = oneOf('checkMode', o.checkMode, ['background', 'on-request'] as const, 'background');
  const showDetails = oneOf('showDetails', o.showDetails, ['always', 'never', 'when-authorized'] as const, 'always');
  if (o.authorize !== undefined && typeof o.authorize !== 'function') fail('authorize', 'must be a function (request) => boolean | Promise<boolean>', o.authorize);
  if (showDetails === 'when-authorized' && !o.authorize) fail('authorize', 'is required when showDetails is "when-authorized"', o.authorize);
  if (o.logTransitions !== undefined && typeof o.logTransitions !== 'boolean') fail('logTransitions', 'must be a boolean', o.logTransitions);

  return {
    refreshIntervalMs,
    timeoutMs,
    staleAfterMs,
    staleAfterMsGiven: o.staleAfterMs !== undefined,
    checkMode,
    order: new StatusOrder(statusOrder(o.statusOrder)),
    httpStatus: httpStatus(o.httpStatus),
    groups: groups(o.groups),
    showDetails,
    authorize: o.authorize,
    resourceThresholds: resourceThresholds(o.resourceThresholds),
    logTransitions: o.logTransitions ?? true,
    startup: oneOf('startup', o.startup, ['auto', 'manual'] as const, 'auto'),
    drainMs: nonNegativeInteger('drainMs', o.drainMs, 0),
    healthApi: healthApi(o.healthApi),
    metrics: metrics(o.metrics),
    agentCheck: agentCheck(o.agentCheck),
  };
}

function statusOrder(value: unknown): readonly HealthStatus[] | undefined {
  if (value === undefined) return undefined;
  const valid =
    Array.isArray(value) && value.length === HEALTH_STATUSES.length && value.every(isHealthStatus) && new Set(value).size === value.length;
  if (!valid) fail('statusOrder', `must list each of ${HEALTH_STATUSES.join(', ')} exactly once, most severe first`, value);
  return value as HealthStatus[];
}

function httpStatus(value: unknown): Record<HealthStatus, number> {
  if (value === undefined) return { ...DEFAULT_HTTP_STATUS };
  if (!isPlainObject(value)) fail('httpStatus', 'must be an object of status → HTTP code', value);
  for (const [status, code] of Object.entries(value)) {
    if (!isHealthStatus(status)) fail(`httpStatus.${status}`, `is not a health status (${HEALTH_STATUSES.join(', ')})`, status);
    if (!Number.isInteger(code) || (code as number) < 100 || (code as number) > 599) fail(`httpStatus.${status}`, 'must be an HTTP status code (100-599)', code);
  }
  return { ...DEFAULT_HTTP_STATUS, ...(value as Partial<Record<HealthStatus, number>>) };
}

function groups(value: unknown): GroupDefinition[] {
  if (value !== undefined && !isPlainObject(value)) fail('groups', 'must be an object of group name → { members, mapping, graceMs }', value);
  const given = (value ?? {}) as Record<string, unknown>;
  const names = [...BUILT_IN_GROUPS, ...Object.keys(given).filter((name) => !(BUILT_IN_GROUPS as readonly string[]).includes(name))];
  return names.map((name) => {
    const field = `groups.${name}`;
    if (!NAME.test(name)) fail(field, 'must be named with letters, digits, ".", "_" or "-"', name);
    const group = given[name] ?? {};
    if (!isPlainObject(group)) fail(field, 'must be an object { members, mapping, graceMs }', group);
    const { members = [], mapping, graceMs, ...rest } = group as Record<string, unknown>;
    for (const key of Object.keys(rest)) fail(`${field}.${key}`, 'is not a group option (members, mapping, graceMs)', rest[key]);
    if (!Array.isArray(members) || !members.every((m) => typeof m === 'string' && m.length > 0 && !m.startsWith('/') && !m.endsWith('/'))) {
      fail(`${field}.members`, 'must be an array of component names or paths such as "mqtt/tcp-listener-1883"', members);
    }
    const defaultMapping = name === 'readiness' ? READINESS_MAPPING : {};
    if (mapping !== undefined) {
      if (!isPlainObject(mapping)) fail(`${field}.mapping`, 'must be an object of status → status', mapping);
      for (const [from, to] of Object.entries(mapping)) {
        if (!isHealthStatus(from) || !isHealthStatus(to)) fail(`${field}.mapping.${from}`, 'must map a health status to a health status', to);
      }
    }
    return {
      name,
      members: [...new Set(members as string[])],
      mapping: (mapping ?? defaultMapping) as Partial<Record<HealthStatus, HealthStatus>>,
      graceMs: grace(`${field}.graceMs`, graceMs),
    };
  });
}

function grace(field: string, value: unknown): number | Record<string, number> {
  if (value === undefined || typeof value === 'number') return nonNegativeInteger(field, value, 0);
  if (!isPlainObject(value)) fail(field, 'must be milliseconds, or an object of member path → milliseconds', value);
  const perMember: Record<string, number> = {};
  for (const [member, ms] of Object.entries(value)) perMember[member] = nonNegativeInteger(`${field}.${member}`, ms, 0);
  return perMember;
}

function metrics(value: unknown): HealthConfig['metrics'] {
  if (value === undefined) return { processMetrics: false };
  if (!isPlainObject(value)) fail('metrics', 'must be an object { processMetrics }', value);
  const { processMetrics = false, ...rest } = value;
  for (const key of Object.keys(rest)) fail(`metrics.${key}`, 'is not an option (processMetrics)', rest[key]);
  if (typeof processMetrics !== 'boolean') fail('metrics.processMetrics', 'must be a boolean', processMetrics);
  return { processMetrics };
}

function agentCheck(value: unknown): HealthConfig['agentCheck'] {
  if (value !== undefined && !isPlainObject(value)) fail('agentCheck', 'must be an object { enabled, port, bindAddress, degradedWeightPercent }', value);
  const { enabled = false, port = 8890, bindAddress = '127.0.0.1', degradedWeightPercent = 50, ...rest } = (value ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(rest)) fail(`agentCheck.${key}`, 'is not an option (enabled, port, bindAddress, degradedWeightPercent)', rest[key]);
  if (typeof enabled !== 'boolean') fail('agentCheck.enabled', 'must be a boolean', enabled);
  if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535) fail('agentCheck.port', 'must be a port number (0-65535)', port);
  if (typeof bindAddress !== 'string' || !bindAddress) fail('agentCheck.bindAddress', 'must be an address such as 127.0.0.1', bindAddress);
  if (!Number.isInteger(degradedWeightPercent) || (degradedWeightPercent as number) < 1 || (degradedWeightPercent as number) > 100) {
    fail('agentCheck.degradedWeightPercent', 'must be an integer percentage from 1 to 100', degradedWeightPercent);
  }
  return { enabled, port: port as number, bindAddress, degradedWeightPercent: degradedWeightPercent as number };
}

const LISTENER_KEYS = ['port', 'bindAddress', 'name', 'views'];

function healthApi(value: unknown): HealthConfig['healthApi'] {
  if (value === undefined) return { enabled: false, listeners: [] };
  if (!isPlainObject(value)) fail('healthApi', 'must be an object { enabled, listeners }', value);
  const { enabled = false, listeners = [{}], ...rest } = value;
  for (const key of Object.keys(rest)) fail(`healthApi.${key}`, 'is not an option (enabled, listeners)', rest[key]);
  if (typeof enabled !== 'boolean') fail('healthApi.enabled', 'must be a boolean', enabled);
  if (!Array.isArray(listeners) || listeners.length === 0) fail('healthApi.listeners', 'must be a non-empty array of { port, bindAddress, name, views }', listeners);
  const names = new Set<string>();
  const definitions = listeners.map((listener, index) => {
    const field = `healthApi.listeners[${index}]`;
    if (!isPlainObject(listener)) fail(field, 'must be an object { port, bindAddress, name, views }', listener);
    for (const key of Object.keys(listener)) if (!LISTENER_KEYS.includes(key)) fail(`${field}.${key}`, `is not a listener option (${LISTENER_KEYS.join(', ')})`, listener[key]);
    const { port = 8889, bindAddress = '127.0.0.1', views = ['hivemq'] } = listener;
    if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535) fail(`${field}.port`, 'must be a port number (0-65535)', port);
    if (typeof bindAddress !== 'string' || !bindAddress) fail(`${field}.bindAddress`, 'must be an address such as 127.0.0.1', bindAddress);
    const name = listener.name ?? `http-listener-${port}`;
    if (typeof name !== 'string' || !name) fail(`${field}.name`, 'must be a non-empty string', name);
    if (names.has(name)) fail(`${field}.name`, 'must be unique among listeners', name);
    names.add(name);
    if (!Array.isArray(views) || views.length === 0) fail(`${field}.views`, `must be a non-empty array of ${Object.keys(BUILT_IN_VIEWS).join(', ')}`, views);
    const mounts = views.map((entry, i): MountedView => {
      const spec = typeof entry === 'string' ? { view: entry } : entry;
      if (!isPlainObject(spec) || typeof spec.view !== 'string' || !Object.hasOwn(BUILT_IN_VIEWS, spec.view)) {
        fail(`${field}.views[${i}]`, `must name a view (${Object.keys(BUILT_IN_VIEWS).join(', ')}) or be { view, prefix }`, entry);
      }
      const view = BUILT_IN_VIEWS[spec.view as string];
      const prefix = spec.prefix ?? view.defaultPrefix;
      if (typeof prefix !== 'string' || /[?#\s]/.test(prefix)) fail(`${field}.views[${i}].prefix`, 'must be a URL path such as /probes', prefix);
      return { view, prefix: (prefix as string).replace(/^\/+|\/+$/g, '') };
    });
    return { name, port: port as number, bindAddress, router: new ViewRouter(mounts, `Health listener "${name}"`) };
  });
  return { enabled, listeners: definitions };
}

function resourceThresholds(value: unknown): HealthConfig['resourceThresholds'] {
  if (value !== undefined && !isPlainObject(value)) fail('resourceThresholds', 'must be an object of thresholds', value);
  const r = (value ?? {}) as ResourcesOptions;
  const ratio = (field: keyof ResourcesOptions, fallback: number) => {
    const v = r[field] ?? fallback;
    if (typeof v !== 'number' || !(v > 0 && v <= 1)) fail(`resourceThresholds.${field}`, 'must be a fraction in (0, 1]', v);
    return v as number;
  };
  const bytes = (field: 'rssDegradedBytes' | 'rssDownBytes') => {
    const v = r[field];
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) fail(`resourceThresholds.${field}`, 'must be a positive number of bytes', v);
    return v;
  };
  const config = {
    heapDegradedRatio: ratio('heapDegradedRatio', 0.85),
    heapDownRatio: ratio('heapDownRatio', 0.95),
    rssDegradedBytes: bytes('rssDegradedBytes'),
    rssDownBytes: bytes('rssDownBytes'),
    diskPath: r.diskPath ?? process.cwd(),
    diskDegradedRatio: ratio('diskDegradedRatio', 0.9),
    diskDownRatio: ratio('diskDownRatio', 0.98),
  };
  if (typeof config.diskPath !== 'string' || !config.diskPath) fail('resourceThresholds.diskPath', 'must be a path', config.diskPath);
  if (config.heapDegradedRatio > config.heapDownRatio) fail('resourceThresholds.heapDegradedRatio', `must not exceed heapDownRatio (${config.heapDownRatio})`, config.heapDegradedRatio);
  if (config.diskDegradedRatio > config.diskDownRatio) fail('resourceThresholds.diskDegradedRatio', `must not exceed diskDownRatio (${config.diskDownRatio})`, config.diskDegradedRatio);
  if (config.rssDegradedBytes && config.rssDownBytes && config.rssDegradedBytes > config.rssDownBytes) {
    fail('resourceThresholds.rssDegradedBytes', `must not exceed rssDownBytes (${config.rssDownBytes})`, config.rssDegradedBytes);
  }
  return config;
}

function positiveInteger(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) <= 0) fail(field, 'must be a positive integer of milliseconds', value);
  return value as number;
}

function nonNegativeInteger(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < 0) fail(field, 'must be a non-negative integer of milliseconds', value);
  return value as number;
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) fail(field, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`, value);
  return value as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(field: string, expected: string, got: unknown): never {
  throw new HealthConfigError(INVALID_OPTION(field, expected, got));
}
