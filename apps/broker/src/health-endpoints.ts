import type { INestApplicationContext } from '@nestjs/common';
import { HealthService } from 'nestjs-mqtt-health';

/**
 * Where the Health API answers. The library's dedicated listener (healthApi in app.module.ts) opens
 * it at bootstrap, outside any HTTP app, so the demo needs no HTTP platform of its own.
 */
export function healthEndpoints(app: INestApplicationContext): string[] {
  return app
    .get(HealthService)
    .listeners()
    .map(({ name, address, port }) => `${name} on http://${address}:${port}`);
}
