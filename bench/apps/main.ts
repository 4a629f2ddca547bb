import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { HealthService } from 'nestjs-mqtt-health';
import { BENCH_APPS } from './bench-apps.module.js';
import { dependencyCalls } from './dependencies.js';
import { LISTENER_APPS } from './listener-apps.module.js';
import { treeCalls, treeMode } from './tree.health.js';

/**
 * One bench app per child process, started by bench/bench-server.js: `node --expose-gc main.js <app>`.
 * It reports its ports (one per listener) over IPC and answers `calls` (how often the indicators ran,
 * stamped with this process's clock), `memory` (usage after full GCs), `mirror` (bare only) and `close`.
 */
type Command = { type: 'calls' | 'memory'; id: number } | { type: 'mirror'; id: number; path: string; answer: Answer } | { type: 'close' };
interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}
interface Started {
  ports: Record<string, number>;
  close(): Promise<void>;
}

const name = process.argv[2];
if ((!BENCH_APPS[name] && !LISTENER_APPS[name] && name !== 'bare') || !process.send) {
  console.error(`usage: main.js <${[...Object.keys(BENCH_APPS), ...Object.keys(LISTENER_APPS), 'bare'].join('|')}> from bench/run.js`);
  process.exit(2);
}
const send = (message: object) => process.send!(message);
// The on-request tree alternates its statuses, so a scrape that mixed two refreshes would show.
treeMode.alternate = name === 'tree';

/**
 * The baseline of the listener rows: the cheapest answer node:http can give, a constant per path. The
 * bench `mirror`s into it the answer the listener gives at that path (status, headers, body), so both
 * sides put the same bytes on the wire and the client parses the same; `{"status":"UP"}` elsewhere.
 */
const mirrored = new Map<string, Answer>();
const UP = JSON.stringify({ status: 'UP' });
const DEFAULT_ANSWER: Answer = {
  statusCode: 200,
  headers: { 'content-type': 'application/json', 'content-length': String(UP.length) },
  body: UP,
};

async function startBare(): Promise<Started> {
  const server = createServer((request, response) => {
    const answer = mirrored.get(request.url ?? '/') ?? DEFAULT_ANSWER;
    response.writeHead(answer.statusCode, answer.headers);
    response.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    ports: { main: (server.address() as AddressInfo).port },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function startListenerApp(): Promise<Started> {
  const context = await NestFactory.createApplicationContext(LISTENER_APPS[name], { logger: false });
  await context.init();
  const ports = Object.fromEntries(
    context
      .get(HealthService)
      .listeners()
      .map((l) => [l.name, l.port]),
  );
  return { ports, close: () => context.close() };
}

async function startHttpApp(): Promise<Started> {
  const app = await NestFactory.create(BENCH_APPS[name], { logger: false });
  await app.listen(0, '127.0.0.1');
  return { ports: { main: (app.getHttpServer().address() as AddressInfo).port }, close: () => app.close() };
}

const app = name === 'bare' ? await startBare() : LISTENER_APPS[name] ? await startListenerApp() : await startHttpApp();
send({ type: 'listening', ports: app.ports });

function memory(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage();
}

process.on('message', (command: Command) => {
  if (command.type === 'calls') send({ id: command.id, slow: dependencyCalls.slow, tree: treeCalls, at: Date.now() });
  if (command.type === 'memory') send({ id: command.id, ...memory() });
  if (command.type === 'mirror') send({ id: command.id, paths: mirrored.set(command.path, command.answer).size });
  if (command.type === 'close') void app.close().then(() => process.exit(0));
});
// An orphan must not outlive a crashed bench.
process.on('disconnect', () => process.exit(0));
