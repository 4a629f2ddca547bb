import type { INestApplication, LoggerService, ModuleMetadata } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';

export type Platform = 'express' | 'fastify';
export const PLATFORMS: Platform[] = ['express', 'fastify'];

export interface BootOptions {
  /** Receives the app's log lines; silent by default. */
  logger?: LoggerService;
}

/**
 * Boots a real Nest app on the given HTTP platform and has it listen on a free port of 127.0.0.1,
 * as a real app does (start-up completes when the app listens); the caller closes it.
 */
export async function bootApp(platform: Platform, metadata: ModuleMetadata, options: BootOptions = {}): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const app = platform === 'fastify' ? moduleRef.createNestApplication(new FastifyAdapter()) : moduleRef.createNestApplication();
  app.useLogger(options.logger ?? false);
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}
