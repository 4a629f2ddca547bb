import { describe, expect, it } from '@jest/globals';
import { HealthConfigError } from '../errors/health.errors.js';
import { createHealthConfig, type HealthConfig } from '../options/health-config.js';
import type { HealthListenerOptions } from '../options/health-options.interface.js';
import { VIEW_NAMES } from '../views/view-registry.js';
import type { RequestHead } from './request-head.js';
import { decideFastPath, HAND_OFF, listenerRouter, MAX_URL_LENGTH, resolveTarget } from './view-router.js';

function routerOf(views: HealthListenerOptions['views']) {
  const config = createHealthConfig({ healthApi: { enabled: true, listeners: [{ port: 0, views }] } }, VIEW_NAMES);
  return listenerRouter(config.healthApi.listeners[0]);
}

describe('listenerRouter', () => {
  it("mounts a view under its default prefix, or the listener's", () => {
    expect(routerOf(['hivemq']).match('/api/v1/health/readiness')).toMatchObject({ segments: ['readiness'] });
    expect(routerOf([{ view: 'hivemq', prefix: '/probes/' }]).match('/probes/readiness')).toMatchObject({ segments: ['readiness'] });
    expect(routerOf([{ view: 'hivemq', prefix: '/probes/' }]).match('/api/v1/health')).toBeUndefined();
  });

  it('answers a repeated path from memory, with the same match and memo keys', () => {
    const router = routerOf(['hivemq', 'kubernetes']);
    expect(router.match('/readyz')).toBe(router.match('/readyz'));
    expect(router.match('/readyz/')).toBe(router.match('/readyz'));
    const tree = router.match('/api/v1/health/mqtt/tcp-listener-1883')!;
    expect(router.match('/api/v1/health/mqtt/tcp-listener-1883')).toBe(tree);
    expect(tree.segments).toEqual(['mqtt', 'tcp-listener-1883']);
    expect(tree.memoKeys.shown).not.toBe(tree.memoKeys.hidden);
    // Past the bound, paths are still matched, only no longer remembered.
    for (let i = 0; i < 1000; i++) expect(router.match(`/api/v1/health/c${i}`)?.segments).toEqual([`c${i}`]);
  });

  it('tells apart the cached answers of a view mounted with other groups at the same path', () => {
    const options = (views: HealthListenerOptions['views']) =>
      createHealthConfig({ groups: { 'zeebe-liveness': {} }, healthApi: { enabled: true, listeners: [{ port: 0, views }] } }, VIEW_NAMES)
        .healthApi.listeners[0];
    const plain = listenerRouter(options(['actuator'])).match('/actuator/health/liveness')!;
    const zeebe = listenerRouter(options([{ view: 'actuator', groups: { liveness: 'zeebe-liveness' } }])).match(
      '/actuator/health/liveness',
    )!;
    expect(zeebe.segments).toEqual(['liveness']);
    expect(zeebe.memoKeys.shown).not.toBe(plain.memoKeys.shown);
    expect(zeebe.route).not.toBe(plain.route);
  });

  it('marks the routes that a transport answers', () => {
    expect(routerOf(['metrics']).match('/metrics')?.route.transport).toBe('metrics');
    expect(routerOf(['ui']).match('/ui/events')?.route.transport).toBe('event-stream');
    expect(routerOf(['ui']).match('/ui')?.route.transport).toBeUndefined();
  });

  it('refuses two views that claim one path, naming both', () => {
    expect(() => routerOf(['fluxmq', 'zeebe'])).toThrow(HealthConfigError);
    expect(() => routerOf(['fluxmq', 'zeebe'])).toThrow(/route \/ready of view "zeebe" collides with route \/ready of view "fluxmq"/);
    expect(() => routerOf(['fluxmq', { view: 'zeebe', prefix: 'zeebe' }])).not.toThrow();
  });
});

describe('view names in options', () => {
  it('are checked against the list the views own', () => {
    expect(() => createHealthConfig({ healthApi: { enabled: true, listeners: [{ views: ['prometheus' as never] }] } }, VIEW_NAMES)).toThrow(
      /option "healthApi\.listeners\[0\]\.views\[0\]" must name a view \(hivemq, fluxmq, kubernetes, zeebe, actuator, terminus, ui, metrics, fleet\)/,
    );
  });
});

describe('decideFastPath', () => {
  const router = routerOf(['hivemq', 'kubernetes', 'ui']);
  const config = { showDetails: 'always' } as HealthConfig;
  const head = (target: string, extra: Partial<RequestHead> = {}): RequestHead => ({
    method: 'GET',
    target,
    http10: false,
    keepAlive: true,
    headers: { host: 'x' },
    length: 0,
    ...extra,
  });
  const refusal = (decision: ReturnType<typeof decideFastPath>) => {
    if (decision === HAND_OFF || decision.kind !== 'refuse') throw new Error('not a refusal');
    return { statusCode: decision.response.statusCode, body: JSON.parse(decision.response.body!) as unknown, close: decision.close };
  };

  it('answers a known route with its match, and no query', () => {
    expect(decideFastPath(head('/readyz'), router, config)).toEqual({ kind: 'route', match: router.match('/readyz'), query: undefined });
  });

  it('answers a query and percent-encoding itself', () => {
    const decision = decideFastPath(head('/api/v1/health/mqtt%2Ftcp?verbose=1'), router, config);
    expect(decision).toMatchObject({ kind: 'route', match: { segments: ['mqtt/tcp'] } });
    expect(decision !== HAND_OFF && decision.kind === 'route' && decision.query?.get('verbose')).toBe('1');
    expect(decideFastPath(head('/readyz?'), router, config)).toMatchObject({ kind: 'route', query: undefined });
  });

  it('leaves a path no route serves to the handler (its 404)', () => {
    expect(decideFastPath(head('/nope'), router, config)).toEqual({ kind: 'route', match: undefined, query: undefined });
  });

  it('refuses an HTTP/1.1 request without Host and closes; HTTP/1.0 needs none', () => {
    expect(refusal(decideFastPath(head('/readyz', { headers: {} }), router, config))).toEqual({
      statusCode: 400,
      body: { statusCode: 400, error: 'Bad Request', message: 'a Host header is required' },
      close: true,
    });
    expect(decideFastPath(head('/readyz', { headers: {}, http10: true }), router, config)).toMatchObject({ kind: 'route' });
  });

  it('refuses a target too long, or badly percent-encoded, and keeps the connection', () => {
    expect(refusal(decideFastPath(head(`/${'a'.repeat(MAX_URL_LENGTH)}`), router, config))).toEqual({
      statusCode: 414,
      body: { statusCode: 414, error: 'URI Too Long', message: `URLs are limited to ${MAX_URL_LENGTH} characters` },
      close: false,
    });
    expect(decideFastPath(head(`/${'a'.repeat(MAX_URL_LENGTH - 1)}`), router, config)).toMatchObject({ kind: 'route' });
    expect(refusal(decideFastPath(head('/api/v1/health/%E0%A4%A'), router, config))).toEqual({
      statusCode: 400,
      body: { statusCode: 400, error: 'Bad Request', message: 'malformed percent-encoding in the path' },
      close: false,
    });
  });

  it("hands to node:http every request when authorize() decides, and the event stream's GET", () => {
    const authorizing = { showDetails: 'when-authorized' } as HealthConfig;
    expect(decideFastPath(head('/readyz'), router, authorizing)).toBe(HAND_OFF);
    expect(decideFastPath(head('/ui/events'), router, config)).toBe(HAND_OFF);
    expect(decideFastPath(head('/ui/events', { method: 'HEAD' }), router, config)).toMatchObject({ kind: 'route' });
  });

  it('is the target resolution of the node:http path once the head is accepted', () => {
    for (const target of ['/readyz?verbose', '/nope', `/${'a'.repeat(MAX_URL_LENGTH)}`, '/api/v1/health/%E0%A4%A']) {
      expect(decideFastPath(head(target), router, config)).toEqual(resolveTarget(target, router));
    }
  });
});
