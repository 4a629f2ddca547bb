import { HealthConfigError } from '../errors/health.errors.js';
import { ROUTE_COLLISION } from '../errors/messages.js';
import type { ListenerDefinition } from '../options/transport-options.js';
import type { HealthView, ViewRoute } from '../views/health-view.interface.js';
import { BUILT_IN_VIEWS } from '../views/view-registry.js';

/** A view served under a prefix ('' or 'a/b', no leading or trailing slash). */
export interface MountedView {
  readonly view: HealthView;
  readonly prefix: string;
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
  readonly path: readonly string[];
  readonly key: string;
}

/** The router of a dedicated listener: its views, each under its prefix or the view's default one. */
export function listenerRouter(definition: ListenerDefinition): ViewRouter {
  const mounts = definition.views.map(({ view, prefix }) => ({
    view: BUILT_IN_VIEWS[view],
    prefix: prefix ?? trimSlashes(BUILT_IN_VIEWS[view].defaultPrefix),
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
    for (const { view, prefix } of mounts) {
      for (const route of view.routes) {
        const path = [...split(prefix), ...split(route.path)];
        const entry = { route, view: view.name, path, key: `${view.name}:/${path.join('/')}` };
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
  return Boolean(within(a, b) || within(b, a));
}
