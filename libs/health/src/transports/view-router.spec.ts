import { describe, expect, it } from '@jest/globals';
import { HealthConfigError } from '../errors/health.errors.js';
import { createHealthConfig } from '../options/health-config.js';
import type { HealthListenerOptions } from '../options/health-options.interface.js';
import { VIEW_NAMES } from '../views/view-registry.js';
import { listenerRouter } from './view-router.js';

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
      /option "healthApi\.listeners\[0\]\.views\[0\]" must name a view \(hivemq, fluxmq, kubernetes, zeebe, actuator, terminus, ui, metrics\)/,
    );
  });
});
