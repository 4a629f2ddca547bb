import { BUILT_IN_GROUPS } from '../groups/built-in-groups.js';
import type { GroupDefinition } from '../model/health-group.interface.js';
import { DEFAULT_HTTP_STATUS, HEALTH_STATUSES, isHealthStatus, READINESS_MAPPING, type HealthStatus } from '../model/health-status.js';
import { StatusOrder } from '../model/status-order.js';
import type { CheckMode, DetailsVisibility, HealthModuleOptions, ResourcesOptions, StartupMode } from './health-options.interface.js';
import { fail, isPlainObject, nonNegativeInteger, oneOf, positiveInteger } from './option-checks.js';
import { refreshFitsStaleThreshold } from './stale-threshold.js';
import {
  agentCheckOptions,
  healthApiOptions,
  metricsOptions,
  type AgentCheckConfig,
  type HealthApiConfig,
  type MetricsConfig,
} from './transport-options.js';

/** Validated options with every default filled in. */
export interface HealthConfig {
  readonly refreshIntervalMs: number;
  readonly timeoutMs: number;
  /** As given; undefined leaves the threshold to staleThresholdMs() (options/stale-threshold.ts). */
  readonly staleAfterMs?: number;
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
  readonly healthApi: HealthApiConfig;
  readonly metrics: MetricsConfig;
  readonly agentCheck: AgentCheckConfig;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Validates user options and fills in defaults; throws HealthConfigError naming the field.
 * `viewNames` lists the views a listener may name (the views own that list).
 */
export function createHealthConfig(options: HealthModuleOptions | undefined, viewNames?: readonly string[]): HealthConfig {
  const o = options ?? {};
  if (typeof o !== 'object') fail('(options)', 'must be an object', o);
  const known = new Set([
    'refreshIntervalMs',
    'timeoutMs',
    'staleAfterMs',
    'checkMode',
    'statusOrder',
    'httpStatus',
    'groups',
    'showDetails',
    'authorize',
    'resourceThresholds',
    'logTransitions',
    'startup',
    'drainMs',
    'healthApi',
    'metrics',
    'agentCheck',
  ]);
  for (const key of Object.keys(o))
    if (!known.has(key)) fail(key, `is not an option (options are ${[...known].join(', ')})`, (o as Record<string, unknown>)[key]);

  const refreshIntervalMs = positiveInteger('refreshIntervalMs', o.refreshIntervalMs, 1000);
  const timeoutMs = positiveInteger('timeoutMs', o.timeoutMs, 2000);
  const staleAfterMs = o.staleAfterMs === undefined ? undefined : positiveInteger('staleAfterMs', o.staleAfterMs, 0);
  // Even a check that answers at once must complete its refresh within the threshold.
  if (!refreshFitsStaleThreshold({ refreshIntervalMs, timeoutMs, staleAfterMs }, 0))
    fail('staleAfterMs', `must be greater than refreshIntervalMs (${refreshIntervalMs})`, staleAfterMs);
  const checkMode = oneOf('checkMode', o.checkMode, ['background', 'on-request'] as const, 'background');
  const showDetails = oneOf('showDetails', o.showDetails, ['always', 'never', 'when-authorized'] as const, 'always');
  if (o.authorize !== undefined && typeof o.authorize !== 'function')
    fail('authorize', 'must be a function (request) => boolean | Promise<boolean>', o.authorize);
  if (showDetails === 'when-authorized' && !o.authorize)
    fail('authorize', 'is required when showDetails is "when-authorized"', o.authorize);
  if (o.logTransitions !== undefined && typeof o.logTransitions !== 'boolean')
    fail('logTransitions', 'must be a boolean', o.logTransitions);

  const groupDefinitions = groups(o.groups);
  return {
    refreshIntervalMs,
    timeoutMs,
    staleAfterMs,
    checkMode,
    order: new StatusOrder(statusOrder(o.statusOrder)),
    httpStatus: httpStatus(o.httpStatus),
    groups: groupDefinitions,
    showDetails,
    authorize: o.authorize,
    resourceThresholds: resourceThresholds(o.resourceThresholds),
    logTransitions: o.logTransitions ?? true,
    startup: oneOf('startup', o.startup, ['auto', 'manual'] as const, 'auto'),
    drainMs: nonNegativeInteger('drainMs', o.drainMs, 0),
    healthApi: healthApiOptions(
      o.healthApi,
      viewNames,
      groupDefinitions.map((group) => group.name),
    ),
    metrics: metricsOptions(o.metrics),
    agentCheck: agentCheckOptions(o.agentCheck),
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
    if (!Number.isInteger(code) || (code as number) < 100 || (code as number) > 599)
      fail(`httpStatus.${status}`, 'must be an HTTP status code (100-599)', code);
  }
  return { ...DEFAULT_HTTP_STATUS, ...(value as Partial<Record<HealthStatus, number>>) };
}

function groups(value: unknown): GroupDefinition[] {
  if (value !== undefined && !isPlainObject(value))
    fail('groups', 'must be an object of group name → { members, mapping, graceMs }', value);
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
        if (!isHealthStatus(from) || !isHealthStatus(to))
          fail(`${field}.mapping.${from}`, 'must map a health status to a health status', to);
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
    eventLoopDegradedMs: positiveInteger('resourceThresholds.eventLoopDegradedMs', r.eventLoopDegradedMs, 1000),
    eventLoopDownMs: positiveInteger('resourceThresholds.eventLoopDownMs', r.eventLoopDownMs, 10_000),
  };
  if (typeof config.diskPath !== 'string' || !config.diskPath) fail('resourceThresholds.diskPath', 'must be a path', config.diskPath);
  if (config.heapDegradedRatio > config.heapDownRatio)
    fail('resourceThresholds.heapDegradedRatio', `must not exceed heapDownRatio (${config.heapDownRatio})`, config.heapDegradedRatio);
  if (config.diskDegradedRatio > config.diskDownRatio)
    fail('resourceThresholds.diskDegradedRatio', `must not exceed diskDownRatio (${config.diskDownRatio})`, config.diskDegradedRatio);
  if (config.eventLoopDegradedMs > config.eventLoopDownMs)
    fail(
      'resourceThresholds.eventLoopDegradedMs',
      `must not exceed eventLoopDownMs (${config.eventLoopDownMs})`,
      config.eventLoopDegradedMs,
    );
  if (config.rssDegradedBytes && config.rssDownBytes && config.rssDegradedBytes > config.rssDownBytes) {
    fail('resourceThresholds.rssDegradedBytes', `must not exceed rssDownBytes (${config.rssDownBytes})`, config.rssDegradedBytes);
  }
  return config;
}
