import { Inject, Injectable, Logger } from '@nestjs/common';
import { HealthEngine } from '../engine/health-engine.js';
import type { HealthSnapshot } from '../engine/health-snapshot.interface.js';
import { errorText } from '../engine/normalize-component.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import type { HealthConfig } from '../options/health-config.js';
import { renderHivemq } from '../views/hivemq.view.js';
import { SnapshotMemo } from '../views/memoize.js';
import { methodNotAllowed, notFound, type ViewResponse } from '../views/view-response.js';

export const READ_METHODS = ['GET', 'HEAD'] as const;

/**
 * Turns a probe into a view answer: method check, details visibility, snapshot, memoised render.
 * Stays synchronous unless the user's authorize() or on-request mode needs to wait.
 *
 * @internal
 */
@Injectable()
export class HealthRequestHandler {
  private readonly logger = new Logger('Health');
  private readonly memo = new SnapshotMemo();

  constructor(
    private readonly engine: HealthEngine,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
  ) {}

  hivemq(method: string, segments: readonly string[], request: unknown): ViewResponse | Promise<ViewResponse> {
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(method, READ_METHODS);
    const render = (snapshot: HealthSnapshot, showDetails: boolean) =>
      this.memo.get(snapshot, `hivemq:${showDetails}:${segments.join('/')}`, () => renderHivemq(snapshot, segments, this.config, showDetails)) ??
      notFound(`no health component or group at "${segments.join('/')}"`);
    return this.withSnapshot(request, render);
  }

  /** Calls `render` with the probe's snapshot and whether details are visible to this request. */
  withSnapshot(request: unknown, render: (snapshot: HealthSnapshot, showDetails: boolean) => ViewResponse): ViewResponse | Promise<ViewResponse> {
    const snapshot = this.engine.forProbe();
    const showDetails = this.showDetails(request);
    if (snapshot instanceof Promise || showDetails instanceof Promise) {
      return Promise.all([snapshot, showDetails]).then(([s, d]) => render(s, d));
    }
    return render(snapshot, showDetails);
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
