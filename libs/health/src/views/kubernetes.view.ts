import type { HealthGroupResult } from '../model/health-group.interface.js';
import type { HealthConfig } from '../options/health-config.js';
import type { HealthView, ViewContext } from './health-view.interface.js';
import { isFailing, probeMembers } from './probe-members.js';
import { jsonResponse, type ViewResponse } from './view-response.js';

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
}

function liveness(context: ViewContext, endpoint: string): ViewResponse {
  const { snapshot, config } = context;
  const group = snapshot.groups.liveness;
  const checks: Check[] = [{ name: 'ping', ok: true }, ...probeMembers(group, config).map((m) => ({ name: m.path, ok: !m.failing }))];
  const excluded = excludes(context.query);
  const ok = excluded.size ? checks.every((c) => c.ok || excluded.has(c.name)) : !isFailing(config, group);
  const code = ok ? 200 : failureCode(config, group);
  if (context.query?.has('verbose')) return verbose(endpoint, checks, excluded, ok, code);
  return jsonResponse(code, { status: ok ? 'ok' : 'failed' });
}

/**
 * Lists the readiness members that are network dependencies (details `network-dependency: true`),
 * plus any member that fails, so a 503 always names its cause.
 */
function readyz(context: ViewContext): ViewResponse {
  const { snapshot, config } = context;
  const group = snapshot.groups.readiness;
  const excluded = excludes(context.query);
  const checks: Check[] = probeMembers(group, config)
    .filter((m) => m.failing || m.component.details?.['network-dependency'] === true)
    .map((m) => ({ name: m.path, ok: !m.failing }));
  if (!snapshot.started) checks.push({ name: 'startup', ok: false });
  if (snapshot.draining) checks.push({ name: 'shutdown', ok: false });
  const ok = excluded.size ? checks.every((c) => c.ok || excluded.has(c.name)) : !isFailing(config, group);
  const code = ok ? 200 : failureCode(config, group);
  if (context.query?.has('verbose')) return verbose('readyz', checks, excluded, ok, code);
  if (snapshot.draining && !ok) return jsonResponse(code, { status: 'not_ready', draining: true });
  const body: Record<string, string> = {};
  for (const check of checks) if (check.name !== 'startup' && check.name !== 'shutdown') body[check.name] = check.ok ? 'ok' : 'unavailable';
  return jsonResponse(code, { status: ok ? 'ready' : 'not_ready', checks: body });
}

function failureCode(config: HealthConfig, group: HealthGroupResult): number {
  const code = config.httpStatus[group.status];
  return code >= 400 ? code : 503;
}

function excludes(query: URLSearchParams | undefined): Set<string> {
  return new Set(
    query
      ?.getAll('exclude')
      .flatMap((value) => value.split(','))
      .filter(Boolean) ?? [],
  );
}

/** The API server's text report: `[+]name ok`, `[-]name failed: reason withheld`, then a verdict line. */
function verbose(endpoint: string, checks: Check[], excluded: Set<string>, ok: boolean, code: number): ViewResponse {
  const lines = checks.map((c) =>
    excluded.has(c.name) ? `[+]${c.name} excluded: ok` : c.ok ? `[+]${c.name} ok` : `[-]${c.name} failed: reason withheld`,
  );
  const unknown = [...excluded].filter((name) => !checks.some((c) => c.name === name));
  if (unknown.length) lines.push(`warn: some health checks cannot be excluded: no matches for ${unknown.map((n) => `"${n}"`).join(',')}`);
  lines.push(`${endpoint} check ${ok ? 'passed' : 'failed'}`);
  const body = `${lines.join('\n')}\n`;
  return {
    statusCode: code,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      'cache-control': 'no-store',
    },
    body,
  };
}
