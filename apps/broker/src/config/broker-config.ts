import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalidVariable } from './broker-config.error.js';
import { dataDirectory, extensionFolders, readable } from './config-paths.js';
import { bindAddress, boolean, checkRedisUrl, integer, port } from './env-values.js';
import { parseHealthViews, planHealthListeners, type HealthListenerPlan, type HealthViewEntry } from './health-views.js';

export { BrokerConfigError, hideCredentials } from './broker-config.error.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'verbose';

/** What a node id may be: it names the node in Redis, in `$SYS/<node-id>/...` topics and in metric labels. */
export const NODE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** The one id no node may take: `$SYS/fleet/health` carries the fleet's verdict. */
export const RESERVED_NODE_ID = 'fleet';

/** Whether `id` (read from Redis, say) can be a member's node id. */
export const isNodeId = (id: string): boolean => NODE_ID_PATTERN.test(id) && id !== RESERVED_NODE_ID;

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
  /** How heartbeats travel with REDIS_URL: `registry` (one sorted set) or `emitter` (Aedes $SYS heartbeats). `CLUSTER_MEMBERSHIP`. */
  readonly clusterMembership: 'registry' | 'emitter';
  /** One folder per extension. `EXTENSIONS_DIR`, default the bundled samples; an empty value turns extensions off. */
  readonly extensionsDir?: string;
  /** The Health API at all: its listeners and the agent-check port. `HEALTH_ENABLED`, default true (FluxMQ's `health_enabled`). */
  readonly healthEnabled: boolean;
  /** The dedicated Health API listener. `HEALTH_PORT`, default 8889; `HEALTH_BIND`, default 127.0.0.1. */
  readonly healthPort: number;
  readonly healthBind: string;
  /** The name of the HEALTH_PORT listener (HiveMQ's named listeners). `HEALTH_LISTENER_NAME`, default http-listener-<port>. */
  readonly healthListenerName?: string;
  /**
   * Views served: `name`, `name@/prefix`, `name@:port` (a listener of its own) or `name@addr:port` (on its
   * own address too). `HEALTH_VIEWS`, default hivemq,fluxmq,kubernetes.
   */
  readonly healthViews: readonly HealthViewEntry[];
  /** The listeners those views make, HEALTH_PORT's first; empty when HEALTH_ENABLED is false. */
  readonly healthListeners: readonly HealthListenerPlan[];
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
  /** How long a hook failure keeps its extension DEGRADED; it stays in the details afterwards. `EXTENSION_FAILURE_WINDOW_MS`, default 300000. */
  readonly extensionFailureWindowMs: number;
  /** After the drain, how long closing may take before the process exits anyway. `SHUTDOWN_TIMEOUT_MS`, default 10000. */
  readonly shutdownTimeoutMs: number;
  /**
   * Zeebe's gateway liveness (/actuator/health/liveness only): how long the cluster may be lost before it
   * fails. `CLUSTER_LIVENESS_GRACE_MS`, default 300000 (ZEEBE_CLUSTER_GRACE_MS); undefined when not set.
   */
  readonly clusterLivenessGraceMs?: number;
  /** ...and how long the event loop may miss its deadline. `EVENT_LOOP_LIVENESS_GRACE_MS`, default 600000 (ZEEBE_TIMEOUT_GRACE_MS). */
  readonly eventLoopLivenessGraceMs?: number;
  /** Who sees `details` in health bodies. `HEALTH_DETAILS`: always (default), never, when-authorized (with `HEALTH_TOKEN`). */
  readonly healthDetails: 'always' | 'never' | 'when-authorized';
  /** Bearer token that shows details when `HEALTH_DETAILS=when-authorized`. `HEALTH_TOKEN`. */
  readonly healthToken?: string;
}

/**
 * The longest DRAIN_MS accepted: a load balancer or Kubernetes stops sending new connections within
 * seconds, so a longer drain only keeps a terminating broker, and its rollout, waiting for nothing.
 */
export const MAX_DRAIN_MS = 300_000;

/** Zeebe's gateway liveness: cluster awareness lost for less than five minutes is tolerated... */
export const ZEEBE_CLUSTER_GRACE_MS = 300_000;
/** ...and a missed timeout for less than ten. */
export const ZEEBE_TIMEOUT_GRACE_MS = 600_000;

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
    invalidVariable(!certPath ? 'TLS_CERT' : 'TLS_KEY', 'is required when MQTT_TLS_PORT is set (a PEM file path)', undefined);
  }
  if (tlsPort === undefined && (certPath || keyPath))
    invalidVariable('MQTT_TLS_PORT', 'is required when TLS_CERT or TLS_KEY is set', undefined);
  const wsPort = port(read, 'MQTT_WS_PORT');
  const healthEnabled = boolean(read, 'HEALTH_ENABLED') ?? true;
  const healthPort = port(read, 'HEALTH_PORT') ?? 8889;
  const healthAgentPort = healthEnabled ? (port(read, 'HEALTH_AGENT_PORT') ?? 8890) : 0;
  const used = new Map<number, string>([[mqttPort, 'MQTT_PORT']]);
  for (const [name, value] of [
    ['MQTT_TLS_PORT', tlsPort],
    ['MQTT_WS_PORT', wsPort],
    ['HEALTH_PORT', healthEnabled ? healthPort : undefined],
    ['HEALTH_AGENT_PORT', healthAgentPort],
  ] as const) {
    if (value === undefined || value === 0) continue;
    if (used.has(value)) invalidVariable(name, `must differ from ${used.get(value)}`, String(value));
    used.set(value, name);
  }
  const redisUrl = read('REDIS_URL');
  if (redisUrl !== undefined) checkRedisUrl(redisUrl);
  const nodeId = read('NODE_ID') ?? hostname();
  if (!NODE_ID_PATTERN.test(nodeId)) invalidVariable('NODE_ID', 'must be 1-64 letters, digits, ".", "_" or "-"', nodeId);
  if (nodeId === RESERVED_NODE_ID)
    invalidVariable('NODE_ID', `must not be "${RESERVED_NODE_ID}": $SYS/${RESERVED_NODE_ID}/health is the fleet's verdict`, nodeId);
  const logLevel = (read('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!['error', 'warn', 'info', 'debug', 'verbose'].includes(logLevel))
    invalidVariable('LOG_LEVEL', 'must be one of error, warn, info, debug, verbose', logLevel);
  const extensionsDir = env.EXTENSIONS_DIR === undefined ? BUNDLED_EXTENSIONS_DIR : read('EXTENSIONS_DIR');
  if (env.EXTENSIONS_DIR !== undefined && extensionsDir !== undefined) extensionFolders(resolve(extensionsDir));
  const dataDir = resolve(read('DATA_DIR') ?? 'data');
  dataDirectory(dataDir, redisUrl === undefined);
  const healthViews = parseHealthViews(read('HEALTH_VIEWS') ?? 'hivemq,fluxmq,kubernetes');
  if (typeof healthViews === 'string') invalidVariable('HEALTH_VIEWS', healthViews, read('HEALTH_VIEWS'));
  for (const { view, port } of healthViews) {
    if (!healthEnabled || port === undefined || port === 0) continue;
    if (used.has(port) && used.get(port) !== 'HEALTH_VIEWS')
      invalidVariable('HEALTH_VIEWS', `gives "${view}" port ${port}, which ${used.get(port)} already uses`, read('HEALTH_VIEWS'));
    used.set(port, 'HEALTH_VIEWS');
  }
  const healthBind = bindAddress(read, 'HEALTH_BIND') ?? '127.0.0.1';
  const healthListeners = planHealthListeners(healthViews, healthPort, healthBind);
  if (typeof healthListeners === 'string') invalidVariable('HEALTH_VIEWS', healthListeners, read('HEALTH_VIEWS'));
  const healthListenerName = read('HEALTH_LISTENER_NAME');
  if (healthListenerName !== undefined) listenerName(healthListenerName, healthListeners, healthPort);
  const healthDetails = read('HEALTH_DETAILS') ?? 'always';
  if (!['always', 'never', 'when-authorized'].includes(healthDetails))
    invalidVariable('HEALTH_DETAILS', 'must be always, never or when-authorized', healthDetails);
  const healthToken = read('HEALTH_TOKEN');
  const clusterMembership = read('CLUSTER_MEMBERSHIP') ?? 'registry';
  if (clusterMembership !== 'registry' && clusterMembership !== 'emitter')
    invalidVariable('CLUSTER_MEMBERSHIP', 'must be registry or emitter', clusterMembership);
  if (healthDetails === 'when-authorized' && !healthToken)
    invalidVariable('HEALTH_TOKEN', 'is required when HEALTH_DETAILS is when-authorized', undefined);
  if (tlsPort !== undefined)
    for (const [name, path] of [
      ['TLS_CERT', certPath!],
      ['TLS_KEY', keyPath!],
    ] as const)
      readable(name, path);
  return {
    mqttPort,
    mqttBind: bindAddress(read, 'MQTT_BIND') ?? '0.0.0.0',
    tls: tlsPort === undefined ? undefined : { port: tlsPort, certPath: resolve(certPath!), keyPath: resolve(keyPath!) },
    wsPort,
    redisUrl,
    nodeId,
    dataDir,
    heartbeatMs: integer(read, 'HEARTBEAT_MS', 100, 3_600_000) ?? 5000,
    clusterMembership,
    extensionsDir: extensionsDir === undefined ? undefined : resolve(extensionsDir),
    healthEnabled,
    healthPort,
    healthBind,
    healthListenerName,
    healthViews,
    healthListeners: healthEnabled ? healthListeners : [],
    healthAgentPort,
    drainMs: integer(read, 'DRAIN_MS', 0, MAX_DRAIN_MS) ?? 5000,
    logLevel: logLevel as LogLevel,
    extensionStartTimeoutMs: integer(read, 'EXTENSION_START_TIMEOUT_MS', 1, 3_600_000) ?? 10_000,
    // A client waits for the answer without reading its other packets, pings included: stay under its keep-alive.
    extensionHookTimeoutMs: integer(read, 'EXTENSION_HOOK_TIMEOUT_MS', 1, 60_000) ?? 5000,
    extensionFailureWindowMs: integer(read, 'EXTENSION_FAILURE_WINDOW_MS', 1000, 86_400_000) ?? 300_000,
    shutdownTimeoutMs: integer(read, 'SHUTDOWN_TIMEOUT_MS', 1, 3_600_000) ?? 10_000,
    clusterLivenessGraceMs: integer(read, 'CLUSTER_LIVENESS_GRACE_MS', 0, 86_400_000),
    eventLoopLivenessGraceMs: integer(read, 'EVENT_LOOP_LIVENESS_GRACE_MS', 0, 86_400_000),
    healthDetails: healthDetails as BrokerConfig['healthDetails'],
    healthToken,
  };
}

/**
 * Settings that are valid but do nothing as combined: one warning line each, and the broker starts,
 * since refusing a harmless leftover would only turn it into a crash loop.
 */
export function configWarnings(config: BrokerConfig): string[] {
  const warnings: string[] = [];
  if (config.healthToken !== undefined && config.healthDetails !== 'when-authorized') {
    const shown = config.healthDetails === 'always' ? 'shown to every client, with or without it' : 'shown to no one';
    warnings.push(
      `Environment variable HEALTH_TOKEN has no effect with HEALTH_DETAILS=${config.healthDetails}: details are ${shown}. ` +
        'Set HEALTH_DETAILS=when-authorized to show them only with the token, or unset HEALTH_TOKEN.',
    );
  }
  const actuator = config.healthEnabled && config.healthViews.some((entry) => entry.view === 'actuator');
  if (config.clusterLivenessGraceMs !== undefined && config.redisUrl === undefined)
    warnings.push(
      'Environment variable CLUSTER_LIVENESS_GRACE_MS has no effect without REDIS_URL: a single node has no cluster to fall out of. ' +
        'Unset it, or set REDIS_URL.',
    );
  else if (config.clusterLivenessGraceMs !== undefined && !actuator) warnings.push(onlyActuator('CLUSTER_LIVENESS_GRACE_MS'));
  if (config.eventLoopLivenessGraceMs !== undefined && !actuator) warnings.push(onlyActuator('EVENT_LOOP_LIVENESS_GRACE_MS'));
  return warnings;
}

function onlyActuator(variable: string): string {
  return (
    `Environment variable ${variable} has no effect unless the Health API serves the actuator view: it sets Zeebe's ` +
    'liveness rule of /actuator/health/liveness alone. Add actuator to HEALTH_VIEWS, or unset it.'
  );
}

/** HEALTH_LISTENER_NAME names the HEALTH_PORT listener; names stay unique among listeners (the others are http-listener-<port>). */
function listenerName(name: string, listeners: readonly HealthListenerPlan[] | string, healthPort: number): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name))
    invalidVariable('HEALTH_LISTENER_NAME', 'must be 1-64 letters, digits, ".", "_" or "-"', name);
  const clash = (listeners as readonly HealthListenerPlan[]).find((l) => l.port !== healthPort && name === `http-listener-${l.port}`);
  if (clash) invalidVariable('HEALTH_LISTENER_NAME', `is the name of the listener on port ${clash.port} (HEALTH_VIEWS)`, name);
}
