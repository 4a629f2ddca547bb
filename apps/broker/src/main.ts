import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

const port = Number(process.env.HEALTH_PORT ?? 8889);
const host = process.env.HEALTH_BIND ?? '127.0.0.1';
const app = await NestFactory.create(AppModule);
app.enableShutdownHooks();
await app.listen(port, host);
console.log(`Health API on http://${host}:${port}/api/v1/health`);
