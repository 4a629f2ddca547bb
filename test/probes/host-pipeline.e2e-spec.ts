import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type CallHandler,
  type CanActivate,
  Controller,
  Get,
  type INestApplication,
  Injectable,
  type MiddlewareConsumer,
  Module,
  type NestInterceptor,
  type NestMiddleware,
} from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { HealthModule, HealthService } from 'nestjs-mqtt-health';
import type { Observable } from 'rxjs';
import { bootApp } from '../support/boot.js';
import { INDICATORS, resetState } from './probe-app.js';

/**
 * The engine document (seed 001): probes bypass the app's authentication and its request log. A host app
 * with a guard that refuses everything, a request-logging middleware and an interceptor: its own routes
 * are refused and logged, the dedicated health listener answers without passing through any of them.
 */
const seen = { guard: 0, middleware: 0, interceptor: 0 };

@Injectable()
class RefuseEverything implements CanActivate {
  canActivate(): boolean {
    seen.guard++;
    return false;
  }
}

@Injectable()
class CountRequests implements NestInterceptor {
  intercept(_context: unknown, next: CallHandler): Observable<unknown> {
    seen.interceptor++;
    return next.handle();
  }
}

@Injectable()
class RequestLog implements NestMiddleware {
  use(_request: unknown, _response: unknown, next: () => void): void {
    seen.middleware++;
    next();
  }
}

@Controller('orders')
class OrdersController {
  @Get()
  list(): string[] {
    return [];
  }
}

@Module({
  imports: [HealthModule.forRoot({ refreshIntervalMs: 60_000, healthApi: { enabled: true, listeners: [{ port: 0 }] } })],
  controllers: [OrdersController],
  providers: [...INDICATORS, { provide: APP_GUARD, useClass: RefuseEverything }, { provide: APP_INTERCEPTOR, useClass: CountRequests }],
})
class HostModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestLog).forRoutes('*');
  }
}

describe("the dedicated health listener and the host app's pipeline", () => {
  let app: INestApplication;
  let appUrl: string;
  let healthUrl: string;

  beforeAll(async () => {
    resetState();
    app = await bootApp('express', { imports: [HostModule] });
    appUrl = await app.getUrl();
    healthUrl = `http://127.0.0.1:${app.get(HealthService).listeners()[0].port}`;
  });

  afterAll(async () => {
    await app?.close();
  });

  it("runs the app's own routes through its guard, middleware and log (the fixture works)", async () => {
    const before = { ...seen };
    const response = await fetch(`${appUrl}/orders`);
    expect(response.status).toBe(403);
    expect({ guard: seen.guard - before.guard, middleware: seen.middleware - before.middleware }).toEqual({ guard: 1, middleware: 1 });
  });

  it('answers every probe without a credential and without passing the guard, the middleware or the interceptor', async () => {
    await app.get(HealthService).refresh();
    const before = { ...seen };
    const answers: Record<string, number> = {};
    for (const path of ['/api/v1/health/liveness', '/api/v1/health/readiness', '/api/v1/health', '/api/v1/health/storage'])
      answers[path] = (await fetch(`${healthUrl}${path}`)).status;
    expect(answers).toEqual({
      '/api/v1/health/liveness': 200,
      '/api/v1/health/readiness': 200,
      '/api/v1/health': 200,
      '/api/v1/health/storage': 200,
    });
    expect(seen).toEqual(before);
  });
});
