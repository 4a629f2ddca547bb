import { accessSync, constants } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseHealthViews, type HealthViewEntry } from './health-views.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'verbose';

/** The sample extensions shipped with the demo (apps/broker/extensions), loaded unless EXTENSIONS_DIR says otherwise. */
export const BUNDLED_EXTENSIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../extensions');

/** The demo broker's configuration, read from the environment once at start. */
export interface BrokerConfig {
  /** MQTT over TCP. `MQTT_PORT`, default 1883. */
  readonly mqttPort: number;
  /** Address every MQTT listener binds to. `MQTT_BIND`, default 0.0.0.0. */
  readonly mqttBind: string;
  /** MQTT over TLS; needs `TLS_CERT` and `TLS_KEY`. `MQTT_TLS_PORT`, off by default. */
  readonly tls?: { readonly port: number; readonly certPath: string; readonly keyPath: string };
  /** MQTT over WebSocket. `MQTT_WS_PORT`, off by default. */
  readonly wsPort?: number;
  /** Shared storage and cluster. `REDIS_URL`, off by default (embedded storage in DATA_DIR, single node). */
  readonly redisUrl?: string;
  /** This node's id in the cluster and Aedes broker id. `NODE_ID`, default the host name. */
  readonly nodeId: string;
  /** Embedded storage directory. `DATA_DIR`, default ./data. */
  readonly dataDir: string;
  /** Aedes heartbeat, which also drives peer reachability. `HEARTBEAT_MS`, default 5000. */
  readonly heartbeatMs: number;
  /** One folder per extension. `EXTENSIONS_DIR`, default the bundled samples; an empty value turns extensions off. */
  readonly extensionsDir?: string;
  /** The dedicated Health API listener. `HEALTH_PORT`, default 8889; `HEALTH_BIND`, default 127.0.0.1. */
  readonly healthPort: number;
  readonly healthBind: string;
  /** Views served: `name`, `name@/prefix` or `name@:port` (a listener of its own). `HEALTH_VIEWS`, default hivemq,fluxmq,kubernetes. */
  readonly healthViews: readonly HealthViewEntry[];
  /** HAProxy agent-check port; 0 turns it off. `HEALTH_AGENT_PORT`, default 8890. */
  readonly healthAgentPort: number;
  /** How long readiness reads OUT_OF_SERVICE before the broker closes on SIGTERM. `DRAIN_MS`, default 5000. */
  readonly drainMs: number;
  /** `LOG_LEVEL`: error, warn, info (default), debug, verbose. */
  readonly logLevel: LogLevel;
  /** Deadline for loading, configuring and starting each extension. `EXTENSION_START_TIMEOUT_MS`, default 10000. */
  readonly extensionStartTimeoutMs: number;
  /** How long a broker hook of an extension may take to answer; past it the request is refused. `EXTENSION_HOOK_TIMEOUT_MS`, default 5000. */
  readonly extensionHookTimeoutMs: number;
  /** After the drain, how long closing may take before the process exits anyway. `SHUTDOWN_TIMEOUT_MS`, default 10000. */
  readonly shutdownTimeoutMs: number;
  /** Zeebe's rule, opt-in: liveness fails once the node has been out of its cluster this long. `CLUSTER_LIVENESS_GRACE_MS`, unset = off. */
  readonly clusterLivenessGraceMs?: number;
  /** Who sees `details` in health bodies. `HEALTH_DETAILS`: always (default), never, when-authorized (with `HEALTH_TOKEN`). */
  readonly healthDetails: 'always' | 'never' | 'when-authorized';
  /** Bearer token that shows details when `HEALTH_DETAILS=when-authorized`. `HEALTH_TOKEN`. */
  readonly healthToken?: string;
}

export class BrokerConfigError extends Error {
  override name = 'BrokerConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the environment; throws BrokerConfigError naming the first bad variable. */
export function loadBrokerConfig(env: Env = process.env): BrokerConfig {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const mqttPort = port(read, 'MQTT_PORT') ?? 1883;
  const tlsPort = port(read, 'MQTT_TLS_PORT');
  const certPath = read('TLS_CERT');
  const keyPath = read('TLS_KEY');
  if (tlsPort !== undefined && (!certPath || !keyPath)) {
    invalid(!certPath ? 'TLS_CERT' : 'TLS_KEY', 'is required when MQTT_TLS_PORT is set (a PEM file path)', undefined);
  }
  if (tlsPort === undefined && (certPath || keyPath)) invalid('MQTT_TLS_PORT', 'is required when TLS_CERT or TLS_KEY is set', undefined);
  const wsPort = port(read, 'MQTT_WS_PORT');
  const healthPort = port(read, 'HEALTH_PORT') ?? 8889;
  const healthAgentPort = port(read, 'HEALTH_AGENT_PORT') ?? 8890;
  const used = new Map<number, string>([[mqttPort, 'MQTT_PORT']]);
  for (const [name, value] of [
    ['MQTT_TLS_PORT', tlsPort],
    ['MQTT_WS_PORT', wsPort],
    ['HEALTH_PORT', healthPort],
    ['HEALTH_AGENT_PORT', healthAgentPort],
  ] as const) {
    if (value === undefined || value === 0) continue;
    if (used.has(value)) invalid(name, `must differ from ${used.get(value)}`, String(value));
    used.set(value, name);
  }
  const redisUrl = read('REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\/[^/]+/.test(redisUrl)) invalid('REDIS_URL', 'must be a redis:// or rediss:// URL', redisUrl);
  const nodeId = read('NODE_ID') ?? hostname();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(nodeId)) invalid('NODE_ID', 'must be 1-64 letters, digits, ".", "_" or "-"', nodeId);
  const logLevel = (read('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!['error', 'warn', 'info', 'debug', 'verbose'].includes(logLevel))
    invalid('LOG_LEVEL', 'must be one of error, warn, info, debug, verbose', logLevel);
  const extensionsDir = env.EXTENSIONS_DIR === undefined ? BUNDLED_EXTENSIONS_DIR : read('EXTENSIONS_DIR');
  const healthViews = parseHealthViews(read('HEALTH_VIEWS') ?? 'hivemq,fluxmq,kubernetes');
  if (typeof healthViews === 'string') invalid('HEALTH_VIEWS', healthViews, read('HEALTH_VIEWS'));
  for (const { view, port } of healthViews) {
    if (port === undefined || port === 0) continue;
    if (used.has(port) && used.get(port) !== 'HEALTH_VIEWS')
      invalid('HEALTH_VIEWS', `gives "${view}" port ${port}, which ${used.get(port)} already uses`, read('HEALTH_VIEWS'));
    used.set(port, 'HEALTH_VIEWS');
  }
  const healthDetails = read('HEALTH_DETAILS') ?? 'always';
  if (!['always', 'never', 'when-authorized'].includes(healthDetails))
    invalid('HEALTH_DETAILS', 'must be always, never or when-authorized', healthDetails);
  const healthToken = read('HEALTH_TOKEN');
  if (healthDetails === 'when-authorized' && !healthToken)
    invalid('HEALTH_TOKEN', 'is required when HEALTH_DETAILS is when-authorized', undefined);
  if (tlsPort !== undefined)
    for (const [name, path] of [
      ['TLS_CERT', certPath!],
      ['TLS_KEY', keyPath!],
    ] as const)
      readable(name, path);
  return {
    mqttPort,
    mqttBind: read('MQTT_BIND') ?? '0.0.0.0',
    tls: tlsPort === undefined ? undefined : { port: tlsPort, certPath: resolve(certPath!), keyPath: resolve(keyPath!) },
    wsPort,
    redisUrl,
    nodeId,
    dataDir: resolve(read('DATA_DIR') ?? 'data'),
    heartbeatMs: integer(read, 'HEARTBEAT_MS', 100, 3_600_000) ?? 5000,
    extensionsDir: extensionsDir === undefined ? undefined : resolve(extensionsDir),
    healthPort,
    healthBind: read('HEALTH_BIND') ?? '127.0.0.1',
    healthViews,
    healthAgentPort,
    drainMs: integer(read, 'DRAIN_MS', 0, 3_600_000) ?? 5000,
    logLevel: logLevel as LogLevel,
    extensionStartTimeoutMs: integer(read, 'EXTENSION_START_TIMEOUT_MS', 1, 3_600_000) ?? 10_000,
    // A client waits for the answer without reading its other packets, pings included: stay under its keep-alive.
    extensionHookTimeoutMs: integer(read, 'EXTENSION_HOOK_TIMEOUT_MS', 1, 60_000) ?? 5000,
    shutdownTimeoutMs: integer(read, 'SHUTDOWN_TIMEOUT_MS', 1, 3_600_000) ?? 10_000,
    clusterLivenessGraceMs: integer(read, 'CLUSTER_LIVENESS_GRACE_MS', 1, 86_400_000),
    healthDetails: healthDetails as BrokerConfig['healthDetails'],
    healthToken,
  };
}

/** A certificate or key that cannot be read is a configuration error, not a listener that silently fails. */
function readable(name: string, path: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    invalid(name, `names a file that cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): give a readable PEM file`, path);
  }
}

function port(read: (name: string) => string | undefined, name: string): number | undefined {
  return integer(read, name, 0, 65535, 'must be a port number (0-65535)');
}

function integer(
  read: (name: string) => string | undefined,
  name: string,
  min: number,
  max: number,
  expected?: string,
): number | undefined {
  const raw = read(name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) invalid(name, expected ?? `must be an integer from ${min} to ${max}`, raw);
  return value;
}

function invalid(name: string, expected: string, got: string | undefined): never {
  const shown = got === undefined ? '' : ` (got ${JSON.stringify(got)})`;
  throw new BrokerConfigError(`Environment variable ${name} ${expected}${shown}. Fix it and start the broker again.`);
}
