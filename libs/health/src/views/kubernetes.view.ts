import {
  DRAINING_REASON,
  graceRemaining,
  type HoldReason,
  isFailing,
  probeMembers,
  readinessHolds,
  STARTING_REASON,
} from '../groups/verdicts.js';
import type { HealthGroupResult } from '../model/health-group.interface.js';
import type { HealthConfig } from '../options/health-config.js';
import type { HealthView, ViewContext } from './health-view.interface.js';
import { bodyResponse, jsonResponse, type ViewResponse } from './view-response.js';

/**
 * The `/healthz` `/livez` `/readyz` convention. Bodies name checks but never carry error text
 * (these probes are unauthenticated); the reasons are in the log. `?verbose` and `?exclude=`
 * behave as the Kubernetes API server's.
 */
export const KUBERNETES_VIEW: HealthView = {
  name: 'kubernetes',
  defaultPrefix: '',
  routes: [
    { path: 'healthz', render: (context) => liveness(context, 'healthz') },
    { path: 'livez', render: (context) => liveness(context, 'livez') },
    { path: 'readyz', render: readyz },
  ],
};

interface Check {
  name: string;
  ok: boolean;
  /** Milliseconds left of the member's grace window, while one runs. */
  graceLeftMs?: number;
}

function liveness(context: ViewContext, endpoint: string): ViewResponse {
  const { snapshot, config } = context;
  const group = snapshot.groups.liveness;
  const grace = graceRemaining(group);
  const checks: Check[] = [
    { name: 'ping', ok: true },
    ...probeMembers(group, config).map((m) => ({ name: m.path, ok: !m.failing, graceLeftMs: grace[m.path] })),
  ];
  const excluded = excludes(context.query);
  const ok = excluded.size ? checks.every((c) => c.ok || excluded.has(c.name)) : !isFailing(config, group);
  const code = ok ? 200 : failureCode(config, group);
  if (context.query?.has('verbose')) return verbose(endpoint, checks, excluded, ok, code);
  return jsonResponse(code, { status: ok ? 'ok' : 'failed' });
}

/**
 * Lists, as the engine's document does, the store (always probed: details carry `network-dependency`,
 * embedded or Redis) and every other member backed by a network service (`network-dependency: true`,
 * a Redis-backed cluster: `cluster-mode: true`), healthy or not; and any member that is not ready (failing,
 * or not started yet), so a 503 always names its cause. An in-process cluster (`cluster-mode: false`) never appears.
 */
function readyz(context: ViewContext): ViewResponse {
  const { snapshot, config } = context;
  const group = snapshot.groups.readiness;
  const excluded = excludes(context.query);
  const members: Check[] = probeMembers(group, config)
    .filter((m) => m.failing || m.starting || isDependency(m.component.details))
    .map((m) => ({ name: m.path, ok: !m.failing && !m.starting }));
  const holds = readinessHolds(snapshot);
  const checks = [...members, ...holds.map((hold) => ({ name: HOLD_CHECKS[hold], ok: false }))];
  const ok = excluded.size ? checks.every((c) => c.ok || excluded.has(c.name)) : !isFailing(config, group);
  const code = ok ? 200 : failureCode(config, group);
  if (context.query?.has('verbose')) return verbose('readyz', checks, excluded, ok, code);
  if (holds.includes(DRAINING_REASON) && !ok) return jsonResponse(code, { status: 'not_ready', draining: true });
  const body: Record<string, string> = {};
  for (const check of members) body[check.name] = check.ok ? 'ok' : 'unavailable';
  return jsonResponse(code, { status: ok ? 'ready' : 'not_ready', checks: body });
}

function isDependency(details: Readonly<Record<string, unknown>> | undefined): boolean {
  if (details?.['cluster-mode'] !== undefined) return details['cluster-mode'] === true;
  return typeof details?.['network-dependency'] === 'boolean';
}

/** The API server's check that fails while the node is held: its post-start hooks, or its shutdown. */
const HOLD_CHECKS: Readonly<Record<HoldReason, string>> = { [STARTING_REASON]: 'startup', [DRAINING_REASON]: 'shutdown' };

/** The group's own error code, or 503 when its status maps to a success code. */
function failureCode(config: HealthConfig, group: HealthGroupResult): number {
  return isFailing(config, group) ? config.httpStatus[group.status] : 503;
}

function excludes(query: URLSearchParams | undefined): Set<string> {
  return new Set(
    query
      ?.getAll('exclude')
      .flatMap((value) => value.split(','))
      .filter(Boolean) ?? [],
  );
}

/**
 * The API server's text report: `[+]name ok`, `[-]name failed: reason withheld`, then a verdict
 * line. A member passing on its grace window says how long is left: `[+]cluster ok (within its grace window, 1234 ms left)`.
 */
function verbose(endpoint: string, checks: Check[], excluded: Set<string>, ok: boolean, code: number): ViewResponse {
  const lines = checks.map((c) =>
    excluded.has(c.name)
      ? `[+]${c.name} excluded: ok`
      : c.ok
        ? `[+]${c.name} ok${c.graceLeftMs === undefined ? '' : ` (within its grace window, ${c.graceLeftMs} ms left)`}`
        : `[-]${c.name} failed: reason withheld`,
  );
  const unknown = [...excluded].filter((name) => !checks.some((c) => c.name === name));
  if (unknown.length) lines.push(`warn: some health checks cannot be excluded: no matches for ${unknown.map(quoted).join(',')}`);
  lines.push(`${endpoint} check ${ok ? 'passed' : 'failed'}`);
  const body = `${lines.join('\n')}\n`;
  return bodyResponse(code, 'text/plain; charset=utf-8', body);
}

/**
 * A name from the query, quoted and with every control character escaped (`\n`, `\u001b`): an
 * `?exclude=%0a[+]fake ok` must not write report lines of its own.
 */
function quoted(name: string): string {
  return `"${name.replace(/["\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, escape)}"`;
}

const ESCAPES: Readonly<Record<string, string>> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escape(char: string): string {
  return ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
