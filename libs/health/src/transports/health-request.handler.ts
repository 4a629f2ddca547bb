import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { HealthEngine } from '../engine/health-engine.js';
import type { HealthSnapshot } from '../engine/health-snapshot.interface.js';
import { errorText } from '../engine/normalize-component.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import { HealthMetrics } from '../metrics/health-metrics.js';
import type { HealthConfig } from '../options/health-config.js';
import { SnapshotMemo } from '../views/memoize.js';
import { methodNotAllowed, notFound, type ViewResponse } from '../views/view-response.js';
import type { RouteMatch } from './view-router.js';

export const READ_METHODS = ['GET', 'HEAD'] as const;

/**
 * Turns a probe into a view answer: method check, details visibility, snapshot, memoised render.
 * Shared by the host-app controller and the dedicated listeners. Stays synchronous unless the
 * user's authorize() or on-request mode needs to wait.
 *
 * @internal
 */
@Injectable()
export class HealthRequestHandler {
  private readonly logger = new Logger('Health');
  private readonly memo = new SnapshotMemo();

  constructor(
    private readonly engine: HealthEngine,
    private readonly metrics: HealthMetrics,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
  ) {}

  /** Hands a streaming route its connection; false when the route does not stream or the method is not GET. */
  stream(method: string | undefined, match: RouteMatch | undefined, request: IncomingMessage, response: ServerResponse): boolean {
    const stream = match?.route.stream;
    if (!stream || method !== 'GET') return false;
    const start = (showDetails: boolean) =>
      stream({ config: this.config, showDetails, current: () => this.engine.current(), changes$: this.engine.changes$, request, response });
    const showDetails = this.showDetails(request);
    if (showDetails instanceof Promise) void showDetails.then(start);
    else start(showDetails);
    return true;
  }

  answer(method: string | undefined, match: RouteMatch | undefined, query: URLSearchParams | undefined, request: unknown): ViewResponse | Promise<ViewResponse> {
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(method ?? '(none)', READ_METHODS);
    if (!match) return notFound('no health endpoint at this path');
    const snapshot = this.engine.forProbe();
    const showDetails = this.showDetails(request);
    if (snapshot instanceof Promise || showDetails instanceof Promise) {
      return Promise.all([snapshot, showDetails]).then(([s, d]) => this.render(match, s, d, query));
    }
    return this.render(match, snapshot, showDetails, query);
  }

  private render(match: RouteMatch, snapshot: HealthSnapshot, showDetails: boolean, query: URLSearchParams | undefined): ViewResponse | Promise<ViewResponse> {
    const context = { snapshot, config: this.config, showDetails, segments: match.segments, query, metrics: this.metrics };
    const missing = () => notFound(`no health component or group at "${match.segments.join('/')}"`);
    // Answers that depend on a query string are not cached: arbitrary queries must not grow the cache.
    if (match.route.volatile || query) {
      const response = match.route.render(context);
      return response instanceof Promise ? response : (response ?? missing());
    }
    const key = `${match.key}|${showDetails}|${match.segments.join('/')}`;
    return this.memo.get(snapshot, key, () => match.route.render(context) as ViewResponse | undefined) ?? missing();
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
}
