import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Observable } from 'rxjs';
import type { HealthSnapshot, HealthTransition } from '../engine/health-snapshot.interface.js';
import type { HealthMetrics } from '../metrics/health-metrics.js';
import type { HealthConfig } from '../options/health-config.js';
import type { ViewResponse } from './view-response.js';

export interface ViewContext {
  readonly snapshot: HealthSnapshot;
  readonly config: HealthConfig;
  readonly showDetails: boolean;
  /** Path segments below a subtree route (the HiveMQ tree). */
  readonly segments: readonly string[];
  /** Query parameters; undefined when the URL had none. */
  readonly query?: URLSearchParams;
  /** The module's Prometheus registry. */
  readonly metrics: HealthMetrics;
}

/** What a streaming route (Server-Sent Events) gets: the live state and the raw connection. */
export interface StreamContext {
  readonly config: HealthConfig;
  readonly showDetails: boolean;
  /** The latest snapshot, read on demand. */
  readonly current: () => HealthSnapshot;
  readonly changes$: Observable<HealthTransition>;
  readonly request: IncomingMessage;
  /** The route owns it until the client goes away; the listener closes it at shutdown. */
  readonly response: ServerResponse;
}

export interface ViewRoute {
  /** Relative to the view's prefix, without a leading slash; '' is the prefix itself. */
  readonly path: string;
  /** Also answers every path below `path`. */
  readonly subtree?: boolean;
  /** Undefined means nothing is there (404). */
  readonly render: (context: ViewContext) => ViewResponse | Promise<ViewResponse> | undefined;
  /** The answer changes between snapshots (time, counters): never cached. */
  readonly volatile?: boolean;
  /** A long-lived answer (Server-Sent Events); only on the dedicated listeners. Takes precedence over render for GET. */
  readonly stream?: (context: StreamContext) => void;
}

/** One probe convention: a set of routes, each a pure function of the snapshot. */
export interface HealthView {
  readonly name: string;
  /** Where the view's routes live unless a listener gives another prefix. */
  readonly defaultPrefix: string;
  readonly routes: readonly ViewRoute[];
}
