import { expect } from '@jest/globals';
import type { INestApplication, LoggerService, ModuleMetadata } from '@nestjs/common';
import { HealthService, type HealthModuleOptions, type HealthSnapshot } from 'nestjs-mqtt-health';
import request, { type Response } from 'supertest';
import { bootApp, type BootOptions, type Platform } from './boot.js';

/** The HealthController's default prefix. */
export const API = '/api/v1/health';

/**
 * Short timings so a hung check settles fast. Tests call `refreshed()` instead of waiting for the
 * refresher; a generous `staleAfterMs` keeps a slow CI machine from turning every component DOWN.
 */
export const FAST = { refreshIntervalMs: 50, timeoutMs: 100, staleAfterMs: 10_000 } satisfies HealthModuleOptions;

/** A booted app listening on the loopback interface only (supertest would otherwise bind every interface). */
export function startApp(platform: Platform, metadata: ModuleMetadata, options?: BootOptions): Promise<INestApplication> {
  return bootApp(platform, metadata, options);
}

/** HTTP calls against the app's server. */
export function api(app: INestApplication) {
  return request(app.getHttpServer());
}

/** Checks what every answer of the module carries: the code, a JSON content type and `cache-control: no-store`. */
export function expectHealthAnswer(res: Response, statusCode: number): void {
  expect({ status: res.status, type: res.headers['content-type'], cache: res.headers['cache-control'] }).toEqual({
    status: statusCode,
    type: expect.stringMatching(/^application\/json\b/),
    cache: 'no-store',
  });
}

/**
 * A snapshot that reflects every state change made before the call: the first refresh may be one
 * the background refresher started earlier, the second starts after it.
 */
export async function refreshed(app: INestApplication): Promise<HealthSnapshot> {
  const health = app.get(HealthService);
  await health.refresh();
  return health.refresh();
}

/** Paths (`$.components.mqtt`) of every object in a JSON body that carries a `details` key. */
export function detailsPaths(body: unknown, path = '$'): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const own = !Array.isArray(body) && Object.hasOwn(body, 'details') ? [path] : [];
  return [...own, ...Object.entries(body).flatMap(([key, value]) => detailsPaths(value, `${path}.${key}`))];
}

export interface LogLine {
  level: 'log' | 'warn' | 'error' | 'debug' | 'verbose' | 'fatal';
  message: string;
  context?: string;
}

/** A LoggerService that keeps every line, to count what the module logs. */
export class RecordingLogger implements LoggerService {
  readonly lines: LogLine[] = [];

  /** Lines logged with the given context (the module logs as `Health`). */
  of(context: string): LogLine[] {
    return this.lines.filter((line) => line.context === context);
  }

  clear(): void {
    this.lines.length = 0;
  }

  log(message: unknown, ...params: unknown[]): void {
    this.record('log', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.record('warn', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.record('error', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.record('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.record('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.record('fatal', message, params);
  }

  private record(level: LogLine['level'], message: unknown, params: unknown[]): void {
    const context = params.at(-1);
    this.lines.push({ level, message: String(message), context: typeof context === 'string' ? context : undefined });
  }
}
