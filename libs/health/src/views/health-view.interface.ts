import type { FleetSnapshot } from '../model/fleet.interface.js';
import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import type { HealthConfig } from '../options/health-config.js';
import type { ViewResponse } from './view-response.js';

/** Everything a view may read: the one snapshot of this request, the request's facts and the config. */
export interface ViewContext {
  readonly snapshot: HealthSnapshot;
  readonly config: HealthConfig;
  readonly showDetails: boolean;
  /** Path segments below a subtree route (the HiveMQ tree). */
  readonly segments: readonly string[];
  /** Query parameters; undefined when the URL had none. */
  readonly query?: URLSearchParams;
  /** The fleet's state, for the routes that answer from it (`fleet`). */
  readonly fleet?: FleetSnapshot;
}

export interface ViewRoute {
  /** Relative to the view's prefix, without a leading slash; '' is the prefix itself. */
  readonly path: string;
  /** Also answers every path below `path`. */
  readonly subtree?: boolean;
  /** A pure function of the context; undefined means nothing is there (404). */
  readonly render?: (context: ViewContext) => ViewResponse | undefined;
  /** Answers from the fleet's state (`context.fleet`), cached per state of the fleet, not per snapshot. */
  readonly fleet?: boolean;
  /** The answer changes between snapshots (time, counters): never cached. */
  readonly volatile?: boolean;
  /**
   * Answered by a transport instead: `event-stream` takes a GET (Server-Sent Events, dedicated
   * listeners only; HEAD still gets `render`), `metrics` takes GET and HEAD (the Prometheus exporter).
   */
  readonly transport?: 'event-stream' | 'metrics';
}

/** One probe convention: a set of routes, each a pure function of the snapshot. */
export interface HealthView {
  readonly name: string;
  /** Where the view's routes live unless a listener gives another prefix. */
  readonly defaultPrefix: string;
  readonly routes: readonly ViewRoute[];
}
