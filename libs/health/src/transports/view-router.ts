import { HealthConfigError } from '../errors/health.errors.js';
import { ROUTE_COLLISION } from '../errors/messages.js';
import type { HealthConfig } from '../options/health-config.js';
import type { ListenerDefinition } from '../options/transport-options.js';
import type { HealthView, ViewRoute } from '../views/health-view.interface.js';
import { BUILT_IN_VIEWS, mountView } from '../views/view-registry.js';
import { errorResponse, type ViewResponse } from '../views/view-response.js';
import type { RequestHead } from './request-head.js';

/** Longest request-target answered; node:http's own refusal of a longer one is a 414 as well. */
export const MAX_URL_LENGTH = 2048;

/** A view served under a prefix ('' or 'a/b', no leading or trailing slash). */
export interface MountedView {
  readonly view: HealthView;
  readonly prefix: string;
  /** Told apart in cached answers from the same view at the same path answering from other groups. */
  readonly variant?: string;
}

export interface RouteMatch {
  readonly route: ViewRoute;
  /** Stable name of the route, for caching its answers. */
  readonly key: string;
  readonly segments: readonly string[];
  /** The memo keys of this route and path, with details shown and hidden, built once per match. */
  readonly memoKeys: { readonly shown: string; readonly hidden: string };
}

interface Entry {
  readonly route: ViewRoute;
  readonly view: string;
  /** Which mount it came from: a view may nest its own routes (HiveMQ's `fleet` below its tree). */
  readonly mount: number;
  readonly path: readonly string[];
  readonly key: string;
}

/** The router of a dedicated listener: its views, each under its prefix or the view's default one. */
export function listenerRouter(definition: ListenerDefinition): ViewRouter {
  const mounts = definition.views.map(({ view, prefix, groups }) => ({
    view: mountView(view, groups),
    prefix: prefix ?? trimSlashes(BUILT_IN_VIEWS[view].defaultPrefix),
    variant: groups && JSON.stringify(groups),
  }));
  return new ViewRouter(mounts, `Health listener "${definition.name}"`);
}

/** Matches request paths to view routes; refuses, at construction, two views claiming one path. */
export class ViewRouter {
  private readonly exact = new Map<string, Entry>();
  private readonly subtrees: Entry[] = [];
  /** Matches by raw path (`/readyz`, `/api/v1/health/readiness`): a probe's match is one lookup, no parsing. */
  private readonly raw = new Map<string, RouteMatch>();
  private readonly rawLimit: number;

  constructor(mounts: readonly MountedView[], owner: string) {
    const entries: Entry[] = [];
    for (const [mount, { view, prefix, variant }] of mounts.entries()) {
      for (const route of view.routes) {
        const path = [...split(prefix), ...split(route.path)];
        const entry = { route, view: view.name, mount, path, key: `${view.name}${variant ?? ''}:/${path.join('/')}` };
        const clash = entries.find((other) => collide(entry, other));
        if (clash)
          throw new HealthConfigError(ROUTE_COLLISION(owner, clash.view, `/${clash.path.join('/')}`, view.name, `/${path.join('/')}`));
        entries.push(entry);
        if (route.subtree) this.subtrees.push(entry);
        else this.exact.set(path.join('/'), entry);
        const exactMatch = routeMatch(entry, []);
        if (!route.subtree) for (const raw of [`/${path.join('/')}`, `/${path.join('/')}/`]) this.raw.set(raw, exactMatch);
      }
    }
    this.rawLimit = this.raw.size + 512;
    // Longest prefix first, so a deeper subtree wins.
    this.subtrees.sort((a, b) => b.path.length - a.path.length);
  }

  /** Throws URIError for a malformed percent-encoding. */
  match(pathname: string): RouteMatch | undefined {
    const known = this.raw.get(pathname);
    if (known) return known;
    const segments = split(pathname).map(decodeURIComponent);
    const exact = this.exact.get(segments.join('/'));
    if (exact) return routeMatch(exact, []);
    for (const entry of this.subtrees) {
      if (!entry.path.every((segment, i) => segments[i] === segment)) continue;
      const match = routeMatch(entry, segments.slice(entry.path.length));
      // Tree paths are remembered too, up to a bound, so random paths cannot grow the map.
      if (this.raw.size < this.rawLimit) this.raw.set(pathname, match);
      return match;
    }
    return undefined;
  }

  /** Every path served, for error messages and docs. */
  paths(): string[] {
    return [...[...this.exact.values()].map((e) => `/${e.path.join('/')}`), ...this.subtrees.map((e) => `/${e.path.join('/')}/**`)];
  }
}

/** A match of `route` (named `key`) with the path segments below it. */
export function routeMatch({ route, key }: Pick<Entry, 'route' | 'key'>, segments: readonly string[]): RouteMatch {
  const path = `${key}|${segments.join('/')}`;
  return { route, key, segments, memoKeys: { shown: `${path}|shown`, hidden: `${path}|hidden` } };
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

function split(path: string): string[] {
  return path.split('/').filter((segment) => segment.length > 0);
}

function collide(a: Entry, b: Entry): boolean {
  const within = (outer: Entry, inner: Entry) => outer.route.subtree && outer.path.every((segment, i) => inner.path[i] === segment);
  if (a.path.length === b.path.length && a.path.every((segment, i) => b.path[i] === segment)) return true;
  // Within one mount a longer route is the view's own nesting: it is matched first (subtrees longest first).
  return a.mount !== b.mount && Boolean(within(a, b) || within(b, a));
}

/** A request-target resolved against a router: its route (none: 404) and query, or a refusal. */
export type TargetResolution = RouteTarget | Refusal;

export interface RouteTarget {
  readonly kind: 'route';
  readonly match: RouteMatch | undefined;
  readonly query: URLSearchParams | undefined;
}

export interface Refusal {
  readonly kind: 'refuse';
  readonly response: ViewResponse;
  /** The connection closes after it: what follows a bad request cannot be trusted. */
  readonly close: boolean;
}

/** The fast path leaves the request, its bytes unread, to node:http. */
export const HAND_OFF = Symbol('hand off to node:http');
export type FastPathDecision = TargetResolution | typeof HAND_OFF;

// Constant answers are encoded once. A target too long or badly encoded is refused with the connection kept: the request itself was well formed.
const NO_HOST: Refusal = { kind: 'refuse', response: errorResponse(400, 'a Host header is required'), close: true };
const URI_TOO_LONG: Refusal = {
  kind: 'refuse',
  response: errorResponse(414, `URLs are limited to ${MAX_URL_LENGTH} characters`),
  close: false,
};
const MALFORMED_PATH: Refusal = { kind: 'refuse', response: errorResponse(400, 'malformed percent-encoding in the path'), close: false };

/** The route and query of a request-target (`/readyz?verbose`), on the fast path and node:http's alike. */
export function resolveTarget(target: string, router: ViewRouter): TargetResolution {
  if (target.length > MAX_URL_LENGTH) return URI_TOO_LONG;
  const queryAt = target.indexOf('?');
  let match: RouteMatch | undefined;
  try {
    match = router.match(queryAt === -1 ? target : target.slice(0, queryAt));
  } catch {
    return MALFORMED_PATH;
  }
  const query = queryAt === -1 || queryAt === target.length - 1 ? undefined : new URLSearchParams(target.slice(queryAt + 1));
  return { kind: 'route', match, query };
}

/**
 * What a dedicated listener's fast path does with a plain GET or HEAD: answer its route (a query or
 * percent-encoding included: node:http costs far more per request, and a client pipelining those must
 * not buy more of the listener's time than one asking plain probes), refuse it, or hand it to node:http
 * (authorize() wants node's request; the event stream holds the connection).
 */
export function decideFastPath(head: RequestHead, router: ViewRouter, config: HealthConfig): FastPathDecision {
  if (!head.http10 && head.headers.host === undefined) return NO_HOST;
  if (head.target.length > MAX_URL_LENGTH) return URI_TOO_LONG;
  if (config.showDetails === 'when-authorized') return HAND_OFF;
  const resolved = resolveTarget(head.target, router);
  if (resolved.kind === 'route' && resolved.match?.route.transport === 'event-stream' && head.method === 'GET') return HAND_OFF;
  return resolved;
}
