import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { HealthEngine } from '../engine/health-engine.js';
import { errorText } from '../errors/error-text.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import { HealthMetrics } from '../metrics/health-metrics.js';
import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import type { HealthConfig } from '../options/health-config.js';
import { methodNotAllowed, notFound, type ViewResponse } from '../views/view-response.js';
import { streamDashboard } from './dashboard-events.js';
import { SnapshotMemo } from './snapshot-memo.js';
import type { RouteMatch } from './view-router.js';

/** How long scrapes of one snapshot share one /metrics answer. */
const METRICS_REUSE_MS = 1_000;

export const READ_METHODS = ['GET', 'HEAD'] as const;

/**
 * Turns a probe into an answer: method check, details visibility, the one snapshot of this
 * request, then the view's memoised render (or the exporter, or the event stream). Shared by the
 * host-app controller and the dedicated listeners. Stays synchronous unless the user's
 * authorize(), on-request mode or the metrics exporter needs to wait.
 *
 * @internal
 */
@Injectable()
export class HealthRequestHandler {
  private readonly logger = new Logger('Health');
  private readonly memo = new SnapshotMemo();
  private lastMetrics?: { snapshot: HealthSnapshot; at: number; answer: Promise<ViewResponse> };

  constructor(
    private readonly engine: HealthEngine,
    private readonly metrics: HealthMetrics,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
  ) {}

  /** Hands an event-stream route its connection; false when the route does not stream or the method is not GET. */
  stream(method: string | undefined, match: RouteMatch | undefined, request: IncomingMessage, response: ServerResponse): boolean {
    if (match?.route.transport !== 'event-stream' || method !== 'GET') return false;
    const start = (showDetails: boolean) =>
      streamDashboard({ showDetails, current: () => this.engine.current(), changes$: this.engine.changes$, request, response });
    const showDetails = this.showDetails(request);
    if (showDetails instanceof Promise) void showDetails.then(start);
    else start(showDetails);
    return true;
  }

  answer(
    method: string | undefined,
    match: RouteMatch | undefined,
    query: URLSearchParams | undefined,
    request: unknown,
  ): ViewResponse | Promise<ViewResponse> {
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(method ?? '(none)', READ_METHODS);
    if (!match) return notFound('no health endpoint at this path');
    const snapshot = this.engine.forProbe();
    const showDetails = this.showDetails(request);
    if (snapshot instanceof Promise || showDetails instanceof Promise) {
      return Promise.all([snapshot, showDetails]).then(([s, d]) => this.render(match, s, d, query));
    }
    return this.render(match, snapshot, showDetails, query);
  }

  private render(
    match: RouteMatch,
    snapshot: HealthSnapshot,
    showDetails: boolean,
    query: URLSearchParams | undefined,
  ): ViewResponse | Promise<ViewResponse> {
    const { route } = match;
    if (route.transport === 'metrics') return this.exportMetrics(snapshot);
    const context = { snapshot, config: this.config, showDetails, segments: match.segments, query };
    const render = () => route.render?.(context);
    // The path is not echoed: a body must not carry what a client put in the URL.
    const missing = () => notFound('no health component or group at this path');
    // Answers that depend on a query string are not cached: arbitrary queries must not grow the cache.
    if (route.volatile || query) return render() ?? missing();
    return this.memo.get(snapshot, showDetails ? match.memoKeys.shown : match.memoKeys.hidden, render) ?? missing();
  }

  /**
   * Scrapes of one snapshot within METRICS_REUSE_MS share one answer (process metrics at most that old), so a
   * client pipelining /metrics costs a render per second, not per request. On-request checks make a snapshot
   * per request, so there every scrape renders its own.
   */
  private exportMetrics(snapshot: HealthSnapshot): Promise<ViewResponse> {
    const last = this.lastMetrics;
    const now = performance.now();
    if (last?.snapshot === snapshot && now - last.at < METRICS_REUSE_MS) return last.answer;
    const answer = this.metrics.render(snapshot).then((body): ViewResponse => {
      const headers = {
        'content-type': this.metrics.contentType,
        'content-length': String(Buffer.byteLength(body)),
        'cache-control': 'no-store',
      };
      return { statusCode: 200, headers, body };
    });
    const entry = { snapshot, at: now, answer };
    this.lastMetrics = entry;
    answer.catch(() => this.lastMetrics === entry && (this.lastMetrics = undefined));
    return answer;
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
