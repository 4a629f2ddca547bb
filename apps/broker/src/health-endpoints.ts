import type { INestApplicationContext } from '@nestjs/common';
import { HealthService } from 'nestjs-mqtt-health';

/**
 * Where the Health API answers. The library's dedicated listener (healthApi in app.module.ts) opens
 * it at bootstrap, outside any HTTP app, so the demo needs no HTTP platform of its own.
 */
export function healthEndpoints(app: INestApplicationContext): string[] {
  const listeners = app.get(HealthService).listeners();
  if (listeners.length === 0) return ['off (HEALTH_ENABLED=false)'];
  return listeners.map(({ name, url }) => `${name} on ${url}`);
}
