import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { HealthEngine } from '../engine/health-engine.js';
import { errorText } from '../errors/error-text.js';
import { HealthFleet } from '../fleet/health-fleet.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import { HealthMetrics } from '../metrics/health-metrics.js';
import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import type { HealthConfig } from '../options/health-config.js';
import { bodyResponse, errorResponse, methodNotAllowed, notFound, type ViewResponse } from '../views/view-response.js';
import { streamDashboard } from './dashboard-events.js';
import type { RouteMatch } from './view-router.js';
import { writeResponse } from './write-response.js';

/** How long scrapes of one snapshot share one /metrics answer. */
const METRICS_REUSE_MS = 1_000;

const READ_METHODS = ['GET', 'HEAD'] as const;

/**
 * Turns a probe into its response: method check, details visibility, the one snapshot of this
 * request, then the route's render, cached per snapshot (or the exporter, or the event stream).
 * Shared by the host-app controller and the dedicated listeners. Stays synchronous unless the
 * user's authorize(), on-request mode or the metrics exporter needs to wait.
 *
 * @internal
 */
@Injectable()
export class HealthRequestHandler {
  private readonly logger = new Logger('Health');
  /**
   * Rendered answers per snapshot (per state of the fleet for the fleet routes), by route, path and
   * details: a probe between two refreshes costs a map lookup. Only answers of existing routes are kept,
   * so random paths cannot grow it.
   */
  private readonly rendered = new WeakMap<object, Map<string, ViewResponse>>();
  private lastMetrics?: { snapshot: HealthSnapshot; at: number; response: Promise<ViewResponse> };

  constructor(
    private readonly engine: HealthEngine,
    private readonly fleet: HealthFleet,
    private readonly metrics: HealthMetrics,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
  ) {}

  /** Hands an event-stream route its connection; false when the route does not stream or the method is not GET. */
  stream(method: string | undefined, match: RouteMatch | undefined, request: IncomingMessage, response: ServerResponse): boolean {
    if (match?.route.transport !== 'event-stream' || method !== 'GET') return false;
    const start = (showDetails: boolean) => {
      try {
        streamDashboard({
          showDetails,
          current: () => this.engine.current(),
          changes$: this.engine.changes$,
          fleet: this.fleet,
          request,
          response,
        });
      } catch (error) {
        writeResponse(response, this.failed(error), method);
      }
    };
    const showDetails = this.showDetails(request);
    if (showDetails instanceof Promise) void showDetails.then(start);
    else start(showDetails);
    return true;
  }

  /** The response to a request for `match`; never throws nor rejects: a failure is logged and answered with a 500. */
  respond(
    method: string | undefined,
    match: RouteMatch | undefined,
    query: URLSearchParams | undefined,
    request: unknown,
  ): ViewResponse | Promise<ViewResponse> {
    try {
      const response = this.responseTo(method, match, query, request);
      return response instanceof Promise ? response.catch((error: unknown) => this.failed(error)) : response;
    } catch (error) {
      return this.failed(error);
    }
  }

  private responseTo(
    method: string | undefined,
    match: RouteMatch | undefined,
    query: URLSearchParams | undefined,
    request: unknown,
  ): ViewResponse | Promise<ViewResponse> {
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(method ?? '(none)', READ_METHODS);
    if (!match) return notFound('no health endpoint at this path');
    // A fleet route answers from the fleet's state: no check runs for it, even with on-request checks.
    const snapshot = match.route.fleet ? this.engine.current() : this.engine.forProbe();
    const showDetails = this.showDetails(request);
    if (snapshot instanceof Promise || showDetails instanceof Promise) {
      return Promise.all([snapshot, showDetails]).then(([s, d]) => this.routeResponse(match, s, d, query));
    }
    return this.routeResponse(match, snapshot, showDetails, query);
  }

  private routeResponse(
    match: RouteMatch,
    snapshot: HealthSnapshot,
    showDetails: boolean,
    query: URLSearchParams | undefined,
  ): ViewResponse | Promise<ViewResponse> {
    const { route } = match;
    if (route.transport === 'metrics') return this.exportMetrics(snapshot);
    const fleet = route.fleet ? this.fleet.current() : undefined;
    const context = { snapshot, config: this.config, showDetails, segments: match.segments, query, fleet };
    // Answers that depend on a query string are not kept: arbitrary queries must not grow the cache.
    if (route.volatile || query) return route.render?.(context) ?? missing();
    const state = fleet ?? snapshot;
    let answers = this.rendered.get(state);
    if (!answers) {
      answers = new Map();
      this.rendered.set(state, answers);
    }
    const key = showDetails ? match.memoKeys.shown : match.memoKeys.hidden;
    let response = answers.get(key);
    if (!response) {
      response = route.render?.(context);
      // A 404 is not kept: a view may explain it (an unknown fleet member), and random paths must not grow the cache.
      if (response && response.statusCode !== 404) answers.set(key, response);
    }
    return response ?? missing();
  }

  /**
   * Scrapes of one snapshot within METRICS_REUSE_MS share one answer (process metrics at most that old), so a
   * client pipelining /metrics costs a render per second, not per request. On-request checks make a snapshot
   * per request, so there every scrape renders its own.
   */
  private exportMetrics(snapshot: HealthSnapshot): Promise<ViewResponse> {
    const last = this.lastMetrics;
    const now = performance.now();
    if (last?.snapshot === snapshot && now - last.at < METRICS_REUSE_MS) return last.response;
    const response = this.metrics.render(snapshot).then((body) => bodyResponse(200, this.metrics.contentType, body));
    const entry = { snapshot, at: now, response };
    this.lastMetrics = entry;
    response.catch(() => this.lastMetrics === entry && (this.lastMetrics = undefined));
    return response;
  }

  private showDetails(request: unknown): boolean | Promise<boolean> {
    if (this.config.showDetails !== 'when-authorized') return this.config.showDetails === 'always';
    try {
      const allowed = this.config.authorize!(request);
      return allowed instanceof Promise ? allowed.then(Boolean, (error) => this.denied(error)) : Boolean(allowed);
    } catch (error) {
      return this.denied(error);
    }
  }

  private denied(error: unknown): false {
    this.logger.warn(`authorize() failed, details hidden: ${errorText(error)}`);
    return false;
  }

  private failed(error: unknown): ViewResponse {
    this.logger.error(`Health answer failed: ${errorText(error)}`);
    return errorResponse(500, 'the health answer could not be rendered');
  }
}

/** The path is not echoed: a body must not carry what a client put in the URL. */
function missing(): ViewResponse {
  return notFound('no health component or group at this path');
}
