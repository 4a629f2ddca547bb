import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { HealthService } from 'nestjs-mqtt-health';
import { BENCH_APPS, LISTENER_APPS } from './bench-apps.module.js';
import { dependencyCalls } from './dependencies.js';

/**
 * One bench app per child process, forked by bench/run.js: `node main.js <app>`. It reports its port
 * over IPC and answers `calls` (how often the slow dependency ran, stamped with this process's clock)
 * and `close`.
 */
type Command = { type: 'calls'; id: number } | { type: 'close' };

const name = process.argv[2];
const appModule = BENCH_APPS[name];
if ((!appModule && name !== 'bare') || !process.send) {
  console.error(`usage: fork main.js <${[...Object.keys(BENCH_APPS), 'bare'].join('|')}> from bench/run.js`);
  process.exit(2);
}
const send = (message: object) => process.send!(message);

/** Baseline of (c) and (d): the cheapest answer node:http can give, a constant body. */
async function startBare(): Promise<{ port: number; close(): Promise<void> }> {
  const body = JSON.stringify({ status: 'UP' });
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function startNest(): Promise<{ port: number; close(): Promise<void> }> {
  if (LISTENER_APPS.has(name)) {
    const context = await NestFactory.createApplicationContext(appModule, { logger: false });
    await context.init();
    return { port: context.get(HealthService).listeners()[0].port, close: () => context.close() };
  }
  const app = await NestFactory.create(appModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  return { port: (app.getHttpServer().address() as AddressInfo).port, close: () => app.close() };
}

const app = name === 'bare' ? await startBare() : await startNest();
send({ type: 'listening', port: app.port });

process.on('message', (command: Command) => {
  if (command.type === 'calls') send({ type: 'calls', id: command.id, slow: dependencyCalls.slow, at: Date.now() });
  if (command.type === 'close') void app.close().then(() => process.exit(0));
});
// An orphan must not outlive a crashed bench.
process.on('disconnect', () => process.exit(0));
