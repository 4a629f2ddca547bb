import 'reflect-metadata';
import { type INestApplicationContext, Logger, type LogLevel as NestLogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthService } from 'nestjs-mqtt-health';
import { AppModule } from './app.module.js';
import { BrokerService } from './broker/broker.service.js';
import { ClusterMembershipService } from './cluster/cluster-membership.service.js';
import {
  assertMqttBindable,
  BrokerConfigError,
  configWarnings,
  loadBrokerConfig,
  type BrokerConfig,
  type LogLevel,
} from './config/index.js';
import { ExtensionHost } from './extensions/extension-host.service.js';
import { strayRejections } from './extensions/stray-rejections.js';
import { healthEndpoints } from './health-endpoints.js';
import { BootLogger } from './lifecycle/boot-logger.js';
import { blockedLoopWatchdog } from './lifecycle/blocked-loop.watchdog.js';
import { ShutdownWatchdog } from './lifecycle/shutdown-watchdog.js';
import { startupErrorLine } from './lifecycle/startup-errors.js';

const NEST_LEVELS: Record<LogLevel, NestLogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  verbose: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};
const EX_CONFIG = 78;

let config: BrokerConfig;
try {
  config = loadBrokerConfig();
  await assertMqttBindable(config);
} catch (error) {
  if (!(error instanceof BrokerConfigError)) throw error;
  console.error(error.message);
  process.exit(EX_CONFIG);
}

// First, so that the deadlines hold even if synchronous code blocks this thread from here on.
blockedLoopWatchdog.start({ drainMs: config.drainMs, shutdownTimeoutMs: config.shutdownTimeoutMs });

let creating: Promise<INestApplicationContext> | undefined;
let app: INestApplicationContext | undefined;
let closing: { exitCode: number } | undefined;
const watchdog = new ShutdownWatchdog(config.drainMs, config.shutdownTimeoutMs, () => app?.get(ExtensionHost).pendingWork());

/** Drains, closes and exits; the watchdog ends the process if that outlasts DRAIN_MS + SHUTDOWN_TIMEOUT_MS. */
function shutdown(exitCode: number): void {
  if (closing) return;
  closing = { exitCode };
  watchdog.start();
  if (app) close(app, exitCode);
  else if (creating) watchdog.track('create the app', creating);
}

function close(context: INestApplicationContext, exitCode: number): void {
  const health = context.get(HealthService);
  // The leave is announced as the drain begins: peers read DEGRADED until this node is gone, its own cluster LEAVING.
  void context.get(ClusterMembershipService).announceLeaving();
  // The same drain app.close() waits for (it is idempotent), tracked to name it if it is what hangs.
  watchdog.track('drain', health.drain());
  void health.refresh().catch(() => undefined);
  watchdog.track('broker start', context.get(BrokerService).started);
  const closed = context.close().then(
    () => process.exit(exitCode),
    (error: unknown) => {
      new Logger('Shutdown').error(`shutdown failed: ${(error as Error)?.stack ?? String(error)}`);
      process.exit(1);
    },
  );
  watchdog.track('app.close()', closed);
}

// ioredis rejects the commands it queued once a connection gives up; during a Redis outage or a shutdown
// those rejections are expected, and ending the process for them would restart every broker at once.
// Any other rejection nobody handled is logged, rate-limited, and the broker carries on (StrayRejections):
// one an extension leaves floating in a hook would otherwise let any client end the process.
let redisRejections = 0;
process.on('unhandledRejection', (reason) => {
  if (!isRedisGiveUp(reason)) return strayRejections.report(reason);
  const level = redisRejections++ === 0 ? 'warn' : 'debug';
  new Logger('Storage')[level](`a Redis command failed after its connection was lost (${reason.message}); the broker carries on`);
});

function isRedisGiveUp(reason: unknown): reason is Error {
  try {
    return reason instanceof Error && reason.name === 'MaxRetriesPerRequestError';
  } catch {
    // A Proxy whose traps throw, rejected by extension code.
    return false;
  }
}

// Not enableShutdownHooks(): it re-raises the signal after closing, so the exit code would not be 0.
// Listening from the start: a signal while the app is still being created closes it once it exists.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => shutdown(0));

const logger = new BootLogger({ logLevels: NEST_LEVELS[config.logLevel] });
for (const warning of configWarnings(config)) logger.warn(warning, 'Config');
try {
  // abortOnError false: a failed boot is thrown here, to be told in one line, not logged with its stack and exited.
  creating = NestFactory.createApplicationContext(AppModule.register(config), { logger, abortOnError: false });
  app = await creating;
  await app.init();
} catch (error) {
  const line = startupErrorLine(error, config);
  console.error(line ?? error);
  process.exit(line ? EX_CONFIG : 1);
}
logger.booted();
console.log(`Health API: ${healthEndpoints(app).join(', ')}`);
if (closing) close(app, closing.exitCode);
// The broker starts in the background, watched by the Health API; a start that fails ends the process.
// A listener that finds MQTT_BIND unbindable only now (the address went away since the check) is a configuration error too.
app.get(BrokerService).started.catch((error: unknown) => {
  if (!(error instanceof BrokerConfigError)) return shutdown(1);
  console.error(error.message);
  process.exit(EX_CONFIG);
});
