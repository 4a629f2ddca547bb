import type { HealthStatus } from '../model/health-status.js';

export type DetailsVisibility = 'always' | 'never' | 'when-authorized';
export type CheckMode = 'background' | 'on-request';
export type StartupMode = 'auto' | 'manual';
/** The probe conventions a listener can serve (the views own their routes; see `views/view-registry.ts`). */
export type ViewName = 'hivemq' | 'fluxmq' | 'kubernetes' | 'zeebe' | 'actuator' | 'terminus' | 'ui' | 'metrics' | 'fleet';

/** A group of components served at `/<prefix>/<name>` (liveness, readiness, or one of yours). */
export interface HealthGroupOptions {
  /** Component names or paths to a sub-component (`mqtt/tls-tcp-listener-8883`). Added to the indicators that join the group themselves. */
  members?: string[];
  /** Replaces an aggregated status before it is served, e.g. `{ DOWN: 'OUT_OF_SERVICE' }`. */
  mapping?: Partial<Record<HealthStatus, HealthStatus>>;
  /**
   * A member that has been DOWN (or OUT_OF_SERVICE) for less than this still counts as UP in this
   * group: one number for every member, or per member path (`{ cluster: 300_000 }`).
   */
  graceMs?: number | Record<string, number>;
}

/** One dedicated HTTP listener of the Health API (HTTP only, like HiveMQ's). */
export interface HealthListenerOptions {
  /** Default 8889. 0 picks a free port (see `HealthService.listeners()`). */
  port?: number;
  /** Default 127.0.0.1. */
  bindAddress?: string;
  /** Default `http-listener-<port>`. */
  name?: string;
  /**
   * Open connections accepted at once; more are closed on arrival, so the health port can never take
   * the file descriptors MQTT needs. Default 128.
   */
  maxConnections?: number;
  /** The probe conventions served, each under an optional prefix. Default `['hivemq']`. */
  views?: (ViewName | HealthViewMountOptions)[];
}

/** A view served by a listener, with where and from which groups it answers. */
export interface HealthViewMountOptions {
  view: ViewName;
  /** Where the view's routes live. Default the view's own (`/api/v1/health` for hivemq, `/` for fluxmq). */
  prefix?: string;
  /**
   * Which configured group answers the view's liveness, readiness or startup routes and states,
   * instead of the group of that name: `{ liveness: 'zeebe-liveness' }` serves another liveness model
   * on this view alone (its `/liveness` route and the liveness state of its system answer), while
   * every other view keeps the `liveness` group. Default: each route answers from its own group.
   */
  groups?: { liveness?: string; readiness?: string; startup?: string };
}

/** Dedicated listeners, independent of the host app's HTTP server. */
export interface HealthApiOptions {
  /** Default false. */
  enabled?: boolean;
  /** Default one listener on 127.0.0.1:8889 serving the HiveMQ view. */
  listeners?: HealthListenerOptions[];
}

/** Thresholds of the built-in `resources` component (Terminus memory and disk indicators). */
export interface ResourcesOptions {
  /** Heap used, as a fraction of V8's heap limit, above which the component is DEGRADED. Default 0.85. */
  heapDegradedRatio?: number;
  /** ...and DOWN. Default 0.95. */
  heapDownRatio?: number;
  /** Resident set size in bytes above which the component is DEGRADED. Off by default. */
  rssDegradedBytes?: number;
  /** ...and DOWN. Off by default. */
  rssDownBytes?: number;
  /** The file system whose usage is checked. Default the working directory. */
  diskPath?: string;
  /** Used fraction of that file system above which the component is DEGRADED. Default 0.9. */
  diskDegradedRatio?: number;
  /** ...and DOWN. Default 0.98. */
  diskDownRatio?: number;
  /** Longest event-loop delay (ms) of the last minute above which the `event-loop` component is DEGRADED. Default 1000. */
  eventLoopDegradedMs?: number;
  /** A delay longer than this (ms) makes `event-loop` DOWN, and liveness fail, for the next refresh. Default 10000. */
  eventLoopDownMs?: number;
}

export interface HealthModuleOptions {
  /** How often the background refresher runs every indicator. Default 1000. */
  refreshIntervalMs?: number;
  /** Default per-indicator timeout; a slower check is DOWN "timed out after N ms". Default 2000. */
  timeoutMs?: number;
  /** A snapshot whose last completed refresh is older than this is stale: every component reads DOWN. Default 3 × refreshIntervalMs + the slowest indicator timeout. */
  staleAfterMs?: number;
  /** `background` (default): probes read the latest snapshot. `on-request`: each probe waits for a fresh, coalesced refresh. */
  checkMode?: CheckMode;
  /** Aggregation order, most severe first. Must list all six statuses. */
  statusOrder?: HealthStatus[];
  /** HTTP status code per health status; merged over the defaults (200 / 503). */
  httpStatus?: Partial<Record<HealthStatus, number>>;
  /** Built-in `liveness` and `readiness`, and custom groups. */
  groups?: Record<string, HealthGroupOptions>;
  /** Whether `details` reach response bodies. Default `always`. */
  showDetails?: DetailsVisibility;
  /** Decides per request when `showDetails` is `when-authorized`; receives the platform's request object. */
  authorize?: (request: unknown) => boolean | Promise<boolean>;
  /** Thresholds of the built-in `resources` component. */
  resourceThresholds?: ResourcesOptions;
  /** Log one line per status transition. Default true. */
  logTransitions?: boolean;
  /**
   * `auto` (default): start-up is complete once the app has bootstrapped (`app.init()`, which `listen()`
   * runs), as probes then reach the Health API only through the app's own server. When it has a port of its
   * own (dedicated `healthApi` listeners or the `agentCheck` port), which answers before the app serves, an
   * HTTP app completes start-up when it listens (after every bootstrap hook); an application context, once
   * bootstrapped. `HealthService.markStartupComplete()` completes it earlier (e.g. in a test without `listen()`).
   * `manual`: the app calls `HealthService.markStartupComplete()` (e.g. once listeners are bound).
   * Until then the startup group and readiness are OUT_OF_SERVICE.
   */
  startup?: StartupMode;
  /**
   * When a signal closes the app (`enableShutdownHooks()`), or the app calls `HealthService.drain()`, readiness
   * is OUT_OF_SERVICE (draining) for this long before the app closes. A plain `app.close()` does not drain. Default 0.
   */
  drainMs?: number;
  /** Dedicated HTTP listeners (HiveMQ's `health-api`). */
  healthApi?: HealthApiOptions;
  /** A TCP port answering HAProxy's agent-check from the readiness group. */
  agentCheck?: {
    /** Default false. */
    enabled?: boolean;
    /** Default 8890. */
    port?: number;
    /** Default 127.0.0.1. */
    bindAddress?: string;
    /** Weight announced while readiness is degraded (DEGRADED_SERVICE), in percent of the configured weight. Default 50. */
    degradedWeightPercent?: number;
  };
  /** The `metrics` view (Prometheus text at `/metrics`). */
  metrics?: { /** Add Node.js process metrics (CPU, memory, event loop lag, GC). Default false. */ processMetrics?: boolean };
}

/** Options fixed when the module is defined (they shape routes and providers, so they cannot be async). */
export interface HealthModuleExtras {
  isGlobal?: boolean;
  /** Route prefix of the HealthController in the host app. Default `api/v1/health`. */
  path?: string;
  /** Mount the HealthController in the host app. Default true. */
  controller?: boolean;
  /** Register the built-in `resources` component. Default true. */
  resources?: boolean;
}
