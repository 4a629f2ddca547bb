import { describe, expect, it } from '@jest/globals';
import { createHealthConfig } from '../options/health-config.js';
import type { HealthGroupOptions } from '../options/health-options.interface.js';
import { body, builderFor, result } from '../testing/health-test-kit.js';
import type { ViewContext } from './health-view.interface.js';
import { BUILT_IN_VIEWS, mountView } from './view-registry.js';

const GROUPS: Record<string, HealthGroupOptions> = {
  liveness: { members: ['event-loop'] },
  'zeebe-liveness': { members: ['event-loop', 'cluster'] },
};
const config = createHealthConfig({ groups: GROUPS });
const clusterDown = builderFor(GROUPS).build(
  [result('event-loop', { status: 'UP' }), result('cluster', { status: 'DOWN', details: { reason: 'redis unreachable' } })],
  1000,
  1000,
  { started: true, draining: false },
).snapshot;

function answer(view: ReturnType<typeof mountView>, path: string, segments: string[] = []) {
  const context: ViewContext = { snapshot: clusterDown, config, showDetails: true, segments };
  return view.routes.find((route) => route.path === path)!.render!(context)!;
}

describe('mountView', () => {
  it('is the built-in view itself when no group is renamed', () => {
    expect(mountView('actuator')).toBe(BUILT_IN_VIEWS.actuator);
    expect(mountView('actuator', {})).toBe(BUILT_IN_VIEWS.actuator);
  });

  it("answers the view's liveness route and its system's liveness state from the group named", () => {
    const actuator = mountView('actuator', { liveness: 'zeebe-liveness' });
    const liveness = answer(actuator, '', ['liveness']);
    expect(liveness.statusCode).toBe(503);
    expect(Object.keys(body(liveness).components)).toEqual(['event-loop', 'cluster']);
    expect(body(answer(actuator, '')).components.livenessState).toEqual({ status: 'DOWN' });
    // The same view unmounted keeps the liveness group: the event loop alone.
    expect(body(answer(BUILT_IN_VIEWS.actuator, '')).components.livenessState).toEqual({ status: 'UP' });
    expect(answer(BUILT_IN_VIEWS.actuator, '', ['liveness']).statusCode).toBe(200);
  });

  it("answers FluxMQ's /health from the group named as liveness, and leaves readiness alone", () => {
    const fluxmq = mountView('fluxmq', { liveness: 'zeebe-liveness' });
    expect([answer(fluxmq, 'health').statusCode, body(answer(fluxmq, 'health'))]).toEqual([503, { status: 'unhealthy' }]);
    expect(body(answer(BUILT_IN_VIEWS.fluxmq, 'health'))).toEqual({ status: 'healthy' });
    expect(answer(fluxmq, 'ready').body).toBe(answer(BUILT_IN_VIEWS.fluxmq, 'ready').body);
  });

  it('keeps the route paths and names of the view', () => {
    const mounted = mountView('kubernetes', { liveness: 'zeebe-liveness' });
    expect(mounted.name).toBe('kubernetes');
    expect(mounted.routes.map((route) => route.path)).toEqual(BUILT_IN_VIEWS.kubernetes.routes.map((route) => route.path));
  });
});
