import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { HealthEngine } from '../engine/health-engine.js';
import type { HealthFleet } from '../fleet/health-fleet.js';
import type { FleetSnapshot } from '../model/fleet.interface.js';
import type { HealthMetrics } from '../metrics/health-metrics.js';
import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import type { HealthConfig } from '../options/health-config.js';
import type { ViewContext, ViewRoute } from '../views/health-view.interface.js';
import { jsonResponse, type ViewResponse } from '../views/view-response.js';
import { HealthRequestHandler } from './health-request.handler.js';
import { routeMatch } from './view-router.js';

/** The handler only uses a snapshot as a cache key and passes it to the view. */
const snapshot = () => ({}) as HealthSnapshot;

function handlerWith(
  options: {
    snapshots?: () => HealthSnapshot | Promise<HealthSnapshot>;
    config?: Partial<HealthConfig>;
    metrics?: () => Promise<string>;
    fleet?: () => FleetSnapshot;
  } = {},
) {
  const current = snapshot();
  const forProbe = jest.fn(options.snapshots ?? (() => current));
  const engine = { forProbe, current: () => current } as unknown as HealthEngine;
  const metrics = {
    render: options.metrics ?? (() => Promise.resolve('up 1\n')),
    contentType: 'text/plain; version=0.0.4',
  } as unknown as HealthMetrics;
  const config = { showDetails: 'always', ...options.config } as HealthConfig;
  const fleet = { current: options.fleet ?? (() => undefined) } as unknown as HealthFleet;
  return Object.assign(new HealthRequestHandler(engine, fleet, metrics, config), { forProbe });
}

function routeOf(render: (context: ViewContext) => ViewResponse | undefined, extra: Partial<ViewRoute> = {}) {
  return { path: 'readyz', ...extra, render: jest.fn<(context: ViewContext) => ViewResponse | undefined>(render) };
}

/** A response known to be ready now (no authorize(), snapshot or exporter to wait for). */
const now = (response: ViewResponse | Promise<ViewResponse>) => response as ViewResponse;

const UP = () => jsonResponse(200, { status: 'UP' });

describe('HealthRequestHandler.respond, the rendered answers it keeps per snapshot', () => {
  it('renders once per snapshot and key', () => {
    const handler = handlerWith();
    const route = routeOf(UP);
    const match = routeMatch({ route, key: 'hivemq:/' }, []);
    const first = handler.respond('GET', match, undefined, {});
    const second = handler.respond('HEAD', match, undefined, {});
    expect(route.render).toHaveBeenCalledTimes(1);
    expect(second).toBe(first);
    expect((first as ViewResponse).body).toBe('{"status":"UP"}');
  });

  it('renders again for another route, path or details visibility', () => {
    const visible = { value: true };
    const handler = handlerWith({ config: { showDetails: 'when-authorized', authorize: () => visible.value } });
    const route = routeOf(UP);
    now(handler.respond('GET', routeMatch({ route, key: 'hivemq:/' }, []), undefined, {}));
    now(handler.respond('GET', routeMatch({ route, key: 'fluxmq:/' }, []), undefined, {}));
    now(handler.respond('GET', routeMatch({ route, key: 'hivemq:/' }, ['mqtt']), undefined, {}));
    visible.value = false;
    now(handler.respond('GET', routeMatch({ route, key: 'hivemq:/' }, []), undefined, {}));
    expect(route.render).toHaveBeenCalledTimes(4);
    expect(route.render.mock.calls.map(([context]) => context.showDetails)).toEqual([true, true, true, false]);
  });

  it('renders again for a new snapshot', () => {
    const handler = handlerWith({ snapshots: snapshot });
    const route = routeOf(UP);
    const match = routeMatch({ route, key: 'k' }, []);
    const first = handler.respond('GET', match, undefined, {});
    const second = handler.respond('GET', match, undefined, {});
    expect(route.render).toHaveBeenCalledTimes(2);
    expect(second).not.toBe(first);
  });

  it("keeps a fleet route's answer per state of the fleet, whatever the snapshot, and gives the route that state", () => {
    const states = [{ members: [] }, { members: [] }] as unknown as FleetSnapshot[];
    let state = states[0];
    const handler = handlerWith({ snapshots: snapshot, fleet: () => state });
    const route = routeOf(UP, { fleet: true });
    const match = routeMatch({ route, key: 'hivemq:/fleet' }, []);
    const first = handler.respond('GET', match, undefined, {});
    expect(handler.respond('GET', match, undefined, {})).toBe(first);
    state = states[1];
    now(handler.respond('GET', match, undefined, {}));
    expect(route.render).toHaveBeenCalledTimes(2);
    expect(route.render.mock.calls.map(([context]) => context.fleet)).toEqual(states);
    // No check runs for a fleet answer, even when checks run on request.
    expect(handler.forProbe).not.toHaveBeenCalled();
  });

  it('does not keep a 404 a route explains (an unknown fleet member): random paths never grow the cache', () => {
    const handler = handlerWith({ fleet: () => ({ members: [] }) as unknown as FleetSnapshot });
    const route = routeOf(() => jsonResponse(404, { message: 'no member' }), { fleet: true });
    for (const id of ['a', 'b', 'a']) now(handler.respond('GET', routeMatch({ route, key: 'hivemq:/fleet' }, [id]), undefined, {}));
    expect(route.render).toHaveBeenCalledTimes(3);
  });

  it('does not keep an answer for a path where nothing is (404)', () => {
    const handler = handlerWith();
    const route = routeOf(() => undefined);
    const match = routeMatch({ route, key: 'hivemq:/' }, ['nope']);
    expect(handler.respond('GET', match, undefined, {})).toMatchObject({ statusCode: 404 });
    expect(handler.respond('GET', match, undefined, {})).toMatchObject({ statusCode: 404 });
    expect(route.render).toHaveBeenCalledTimes(2);
  });

  it('renders every time for a query or a volatile route', () => {
    const handler = handlerWith();
    const queried = routeOf(UP);
    const volatile = routeOf(UP, { volatile: true });
    for (let i = 0; i < 2; i++) {
      now(handler.respond('GET', routeMatch({ route: queried, key: 'q' }, []), new URLSearchParams('verbose'), {}));
      now(handler.respond('GET', routeMatch({ route: volatile, key: 'v' }, []), undefined, {}));
    }
    expect(queried.render).toHaveBeenCalledTimes(2);
    expect(queried.render.mock.calls[0][0].query?.has('verbose')).toBe(true);
    expect(volatile.render).toHaveBeenCalledTimes(2);
  });
});

describe('HealthRequestHandler.respond', () => {
  let logged: jest.SpiedFunction<Logger['error']>;
  beforeEach(() => {
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => logged.mockRestore());

  it('refuses a method other than GET and HEAD with a 405 naming them', () => {
    const response = handlerWith().respond('POST', routeMatch({ route: routeOf(UP), key: 'k' }, []), undefined, {}) as ViewResponse;
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('GET, HEAD');
  });

  it('answers a path no route serves with a 404 that does not echo it', () => {
    const response = handlerWith().respond('GET', undefined, undefined, {}) as ViewResponse;
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body!)).toEqual({ statusCode: 404, error: 'Not Found', message: 'no health endpoint at this path' });
  });

  it('waits for a promised snapshot', async () => {
    const handler = handlerWith({ snapshots: () => Promise.resolve(snapshot()) });
    const response = handler.respond('GET', routeMatch({ route: routeOf(UP), key: 'k' }, []), undefined, {});
    expect(response).toBeInstanceOf(Promise);
    expect(await response).toMatchObject({ statusCode: 200 });
  });

  it('answers a render that throws, or a snapshot that rejects, with the one 500, logged', async () => {
    const throwing = routeOf(() => {
      throw new Error('broken view');
    });
    const thrown = handlerWith().respond('GET', routeMatch({ route: throwing, key: 'k' }, []), undefined, {}) as ViewResponse;
    const rejected = handlerWith({ snapshots: () => Promise.reject(new Error('no snapshot')) });
    const later = await rejected.respond('GET', routeMatch({ route: routeOf(UP), key: 'k' }, []), undefined, {});
    for (const response of [thrown, later]) {
      expect(response.statusCode).toBe(500);
      expect(JSON.parse(response.body!)).toEqual({
        statusCode: 500,
        error: 'Internal Server Error',
        message: 'the health answer could not be rendered',
      });
    }
    expect(logged.mock.calls.map(([message]) => message)).toEqual([
      expect.stringContaining('broken view'),
      expect.stringContaining('no snapshot'),
    ]);
  });

  it('answers the metrics route with the exporter, one render shared by scrapes of one snapshot', async () => {
    const render = jest.fn(() => Promise.resolve('up 1\n'));
    const handler = handlerWith({ metrics: render });
    const match = routeMatch({ route: { path: 'metrics', transport: 'metrics' }, key: 'metrics:/metrics' }, []);
    const [first, second] = await Promise.all([handler.respond('GET', match, undefined, {}), handler.respond('GET', match, undefined, {})]);
    expect(render).toHaveBeenCalledTimes(1);
    expect(first).toEqual(second);
    expect(first).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/plain; version=0.0.4', 'content-length': '5', 'cache-control': 'no-store' },
      body: 'up 1\n',
    });
  });
});
