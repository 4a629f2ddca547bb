// A health listener in a process of its own, for tests that measure the server (its RSS) apart from Jest:
// `node --expose-gc test/probes/listener-process.mjs '<options JSON>'`, after the library is built (Jest's
// globalSetup does it). Prints `{"port":<listener>,"agentPort":<agent-check or null>}` on its first line
// of stdout. Over an IPC channel, the message `gc` runs a full garbage collection and answers `gc`.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthIndicator, HealthModule, HealthService, HealthStatus } from 'nestjs-mqtt-health';

const {
  checkMode = 'background',
  views = ['hivemq', 'fluxmq', 'kubernetes', 'metrics', 'ui'],
  agentCheck = false,
} = JSON.parse(process.argv[2] ?? '{}');

const indicators = ['broker', 'storage', 'cluster'].map((name) => {
  class StateIndicator {
    check() {
      return { status: HealthStatus.UP, details: { name, checkedAt: Date.now() } };
    }
  }
  HealthIndicator(name, { groups: ['readiness'] })(StateIndicator);
  return StateIndicator;
});

class ListenerAppModule {}
Module({
  imports: [
    HealthModule.forRoot({
      checkMode,
      refreshIntervalMs: 1000,
      controller: false,
      logTransitions: false,
      healthApi: { enabled: true, listeners: [{ port: 0, views }] },
      agentCheck: { enabled: agentCheck, port: 0 },
    }),
  ],
  providers: indicators,
})(ListenerAppModule);

const context = await NestFactory.createApplicationContext(ListenerAppModule, { logger: ['error'] });
await context.init();
const health = context.get(HealthService);
process.stdout.write(`${JSON.stringify({ port: health.listeners()[0].port, agentPort: health.agentCheckPort() ?? null })}\n`);
process.on('message', (message) => {
  if (message !== 'gc') return;
  globalThis.gc?.();
  process.send?.('gc');
});
process.on('SIGTERM', () => void context.close().then(() => process.exit(0)));
