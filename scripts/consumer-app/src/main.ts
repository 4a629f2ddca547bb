// Boots, prints `READY {json}` (the host app's port and the Health API listeners), and closes the
// app when a line arrives on stdin; the process must then exit on its own (no handle left open).
import { NestFactory } from '@nestjs/core';
import { HealthService } from 'nestjs-mqtt-health';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module.js';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  const host = (app.getHttpServer().address() as AddressInfo).port;
  const listeners = app.get(HealthService).listeners();
  console.log(`READY ${JSON.stringify({ host, listeners })}`);
  process.stdin.once('data', () => {
    process.stdin.destroy();
    app.close().then(
      () => console.log('CLOSED'),
      (error: unknown) => {
        console.error('close failed:', error);
        process.exitCode = 1;
      },
    );
  });
}

bootstrap().catch((error: unknown) => {
  console.error('boot failed:', error);
  process.exit(1);
});
