import { All, Controller, Param, Req, Res, VERSION_NEUTRAL, type Type } from '@nestjs/common';
import { FLEET_ROUTE } from '../views/fleet.view.js';
import { HIVEMQ_VIEW } from '../views/hivemq.view.js';
import type { ViewResponse } from '../views/view-response.js';
import { HealthRequestHandler } from './health-request.handler.js';
import { routeMatch } from './view-router.js';
import { writeResponse } from './write-response.js';

export const DEFAULT_HEALTH_PATH = HIVEMQ_VIEW.defaultPrefix;

/** Deepest path served below the prefix (`extensions/<id>/internals/entrypoint` is 4). */
export const MAX_PATH_DEPTH = 8;

/**
 * `''`, `:p1`, `:p1/:p2`, ...: a wildcard is spelled differently by Express 5 (`*path`) and
 * Fastify (`*`), named parameters the same way by both.
 */
const ROUTES = Array.from({ length: MAX_PATH_DEPTH + 1 }, (_, depth) => Array.from({ length: depth }, (_, i) => `:p${i + 1}`).join('/'));

const HIVEMQ_ROUTE = HIVEMQ_VIEW.routes[0];

interface PlatformRequest {
  method: string;
  url?: string;
}

/**
 * Builds the host-app controller under the configured prefix (a route path must be known when the module
 * is defined). Version-neutral: an app that turns on API versioning (URI, header, media type) still
 * answers its probes at the same path, with no version asked for.
 */
export function createHealthController(path: string): Type<unknown> {
  @Controller({ path, version: VERSION_NEUTRAL })
  class HealthController {
    constructor(private readonly handler: HealthRequestHandler) {}

    @All(ROUTES)
    serve(
      @Req() request: PlatformRequest,
      @Res() response: Parameters<typeof writeResponse>[0],
      @Param() params: Record<string, string>,
    ): void | Promise<void> {
      const segments = segmentsOf(params);
      const match =
        segments[0] === FLEET_ROUTE.path
          ? routeMatch({ route: FLEET_ROUTE, key: 'hivemq:controller:fleet' }, segments.slice(1))
          : routeMatch({ route: HIVEMQ_ROUTE, key: 'hivemq:controller' }, segments);
      const view = this.handler.respond(request.method, match, match.route.fleet ? queryOf(request.url) : undefined, request);
      if (view instanceof Promise) return view.then((settled: ViewResponse) => writeResponse(response, settled, request.method));
      writeResponse(response, view, request.method);
    }
  }
  return HealthController;
}

function segmentsOf(params: Record<string, string>): string[] {
  const segments: string[] = [];
  for (let i = 1; params[`p${i}`] !== undefined; i++) segments.push(params[`p${i}`]);
  return segments;
}

/** The query of a fleet request (`?status=DOWN`); the tree's routes take none. */
function queryOf(url: string | undefined): URLSearchParams | undefined {
  const at = url?.indexOf('?') ?? -1;
  return at < 0 || at === url!.length - 1 ? undefined : new URLSearchParams(url!.slice(at + 1));
}
