import { HealthConfigError, HealthError } from 'nestjs-mqtt-health';
import {
  BrokerConfigError,
  healthAddressVariable,
  isAddressError,
  unbindableAddressLine,
  type BrokerConfig,
  type HealthViewEntry,
} from '../config/index.js';

interface ListenFailure {
  readonly listener?: string;
  readonly host: string;
  readonly port: number;
  readonly code?: string;
  readonly detail: string;
}

/**
 * The one line to print for an error the app threw while starting, naming the environment variable
 * to change and how; undefined when the error is not one of configuration (print it whole).
 */
export function startupErrorLine(error: unknown, config: BrokerConfig): string | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error instanceof BrokerConfigError) return error.message;
  if (error instanceof HealthConfigError && error.message.includes('collides with')) return routeCollision(error.message, config);
  const failure = listenFailure(error);
  if (failure) return listenLine(failure, config);
  if (error instanceof HealthConfigError)
    return `Health API configuration refused: ${error.message} Check HEALTH_VIEWS, HEALTH_PORT and HEALTH_BIND.`;
  return undefined;
}

/** From the library's "Health listener "<name>" cannot listen on <host>:<port>: <error>", or a bare listen error. */
function listenFailure(error: Error): ListenFailure | undefined {
  const errno = error as NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string };
  const match = /listener "([^"]+)" cannot listen on (.+?):(\d+): (.+?)\.(?: [A-Z]|$)/.exec(error.message);
  if (match && error instanceof HealthError) {
    const [, listener, host, port, detail] = match;
    const code = /\b(E[A-Z_]{3,})\b/.exec(detail)?.[1] ?? (error.cause as NodeJS.ErrnoException | undefined)?.code;
    return { listener, host, port: Number(port), code, detail };
  }
  if (errno.code && (errno.syscall === 'listen' || errno.syscall === 'getaddrinfo') && typeof errno.port === 'number') {
    return { host: errno.address ?? errno.hostname ?? '', port: errno.port, code: errno.code, detail: error.message };
  }
  return undefined;
}

function listenLine({ listener, host, port, code, detail }: ListenFailure, config: BrokerConfig): string {
  if (isAddressError(code)) return unbindableAddressLine(healthAddressVariable(config, port), host, code!);
  const [variable, fix] = portVariable(listener, port, config);
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE') return `Environment variable ${variable}: ${where} is already in use (EADDRINUSE). ${fix}`;
  if (code === 'EACCES') return `Environment variable ${variable}: ${where} needs privileges (EACCES). ${fix} (above 1023).`;
  return `Environment variable ${variable}: cannot listen on ${where} (${detail}). ${fix}`;
}

/** Which variable gave the port: the agent-check's, a view's own (`name@:port`) or HEALTH_PORT. */
function portVariable(listener: string | undefined, port: number, config: BrokerConfig): [string, string] {
  if (listener === 'haproxy-agent' || (listener === undefined && port === config.healthAgentPort))
    return ['HEALTH_AGENT_PORT', 'Free the port, or set HEALTH_AGENT_PORT to another one (0 turns the agent-check off).'];
  const views = config.healthViews.filter((entry) => entry.port === port && port !== config.healthPort);
  if (views.length > 0) {
    const named = views.map((entry) => render(entry)).join(', ');
    return ['HEALTH_VIEWS', `Free the port, or give ${named} another port in HEALTH_VIEWS.`];
  }
  return ['HEALTH_PORT', 'Free the port or set HEALTH_PORT to another one.'];
}

/** `Health listener "…": route /ready of view "zeebe" collides with route /ready of view "fluxmq"`: suggest a prefix. */
function routeCollision(message: string, config: BrokerConfig): string {
  const match = /route (\S+) of view "(\w+)" collides with route \S+ of view "(\w+)"/.exec(message);
  const listenerPort = Number(/listener "http-listener-(\d+)"/.exec(message)?.[1] ?? config.healthPort);
  if (!match) return `Environment variable HEALTH_VIEWS: ${message}`;
  const [, path, second, first] = match;
  const moved = config.healthViews.find((entry) => entry.view === second && (entry.port ?? config.healthPort) === listenerPort);
  const suggestion = config.healthViews
    .map((entry) => render(entry === moved ? { view: entry.view, prefix: `/${entry.view}` } : entry))
    .join(',');
  return (
    `Environment variable HEALTH_VIEWS: views "${first}" and "${second}" both serve ${path} on port ${listenerPort}. ` +
    `Serve one under a prefix or on a port of its own, e.g. HEALTH_VIEWS=${suggestion}`
  );
}

function render({ view, prefix, port, address }: HealthViewEntry): string {
  if (port !== undefined) return `${view}@${address === undefined ? '' : address.includes(':') ? `[${address}]` : address}:${port}`;
  return prefix === undefined ? view : `${view}@${prefix}`;
}
