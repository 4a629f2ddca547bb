// The host app as its main.ts starts it, with Nest's shutdown hooks; run by shutdown.e2e-spec.ts in a process of
// its own (through test/readme/register.mjs), so a real SIGTERM closes it. DRAIN_MS sets drainMs.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { appModule } from './host-app.js';

const app = await NestFactory.create(appModule({ drainMs: Number(process.env.DRAIN_MS) }), { logger: ['log', 'warn', 'error'] });
app.enableShutdownHooks();
await app.listen(0, '127.0.0.1');
console.log(`listening on ${((app.getHttpServer() as Server).address() as AddressInfo).port}`);
