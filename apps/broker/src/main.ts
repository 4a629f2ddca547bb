import 'reflect-metadata';
import { type LogLevel as NestLogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { BrokerService } from './broker/broker.service.js';
import { BrokerConfigError, loadBrokerConfig, type LogLevel } from './config/index.js';
import { healthEndpoints } from './health-endpoints.js';

const NEST_LEVELS: Record<LogLevel, NestLogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  verbose: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

let config;
try {
  config = loadBrokerConfig();
} catch (error) {
  if (!(error instanceof BrokerConfigError)) throw error;
  console.error(error.message);
  process.exit(78); // EX_CONFIG
}

const app = await NestFactory.createApplicationContext(AppModule.register(config), { logger: NEST_LEVELS[config.logLevel] });
// Not enableShutdownHooks(): it re-raises the signal after closing, so the exit code would not be 0.
let closing = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed', error);
        process.exit(1);
      },
    );
  });
}
await app.init();
console.log(`Health API: ${healthEndpoints(app).join(', ')}`);
// The broker starts in the background, watched by the Health API; a start that fails ends the process.
app.get(BrokerService).started.catch(async () => {
  if (closing) return;
  closing = true;
  await app.close().catch(() => undefined);
  process.exit(1);
});
