import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { HealthTransition } from '../../model/health-snapshot.interface.js';
import type { ViewContext } from '../health-view.interface.js';
import { renderGroup } from '../hivemq.view.js';
import { DASHBOARD_CSP } from './dashboard.page.js';
import { FLEET_CSP } from './fleet.page.js';
import { dashboardConfig as config, dashboardSnapshot as snapshotOf, healthy, SECRET } from '../../testing/health-test-kit.js';
import { DASHBOARD_VIEW, dashboardState, visibleTransition } from './dashboard.view.js';

describe('dashboardState', () => {
  it('shows the tree, the groups and the lifecycle with details when allowed', () => {
    const snapshot = snapshotOf(healthy);
    const state = dashboardState(snapshot, true);
    expect(state).toMatchObject({ status: 'DOWN', at: 5000, stale: false, started: true, draining: false, showDetails: true });
    expect(Object.keys(state.components)).toEqual(['broker', 'storage', 'mqtt']);
    expect(state.components.mqtt.components!['tcp-listener-1883'].details).toEqual({ port: 1883 });
    expect(state.components.storage.details).toEqual({ reason: SECRET });
    expect(state.groups.readiness).toEqual(JSON.parse(renderGroup(snapshot.groups.readiness, config, true).body!));
    expect(state.groups.readiness.status).toBe('OUT_OF_SERVICE');
    expect(Object.keys(state.groups)).toEqual(['liveness', 'readiness']);
  });

  it('leaves every details object out, at any depth and in groups, when details are hidden', () => {
    const state = dashboardState(snapshotOf(healthy, { started: false, draining: false }), false);
    const text = JSON.stringify(state);
    expect(text).not.toContain('"details"');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('node-1');
    expect(state.components.mqtt.components!['tcp-listener-1883']).toEqual({ status: 'UP' });
    expect(state.groups.readiness).toEqual({
      status: 'OUT_OF_SERVICE',
      components: { storage: { status: 'DOWN' }, mqtt: { status: 'UP', components: { 'tcp-listener-1883': { status: 'UP' } } } },
    });
    expect(state).toMatchObject({ showDetails: false, started: false });
  });

  it('does not repeat the group states as components', () => {
    const state = dashboardState(snapshotOf(healthy), true);
    expect(state.components).not.toHaveProperty('liveness-state');
    expect(state.components).not.toHaveProperty('readiness-state');
  });
});

describe('visibleTransition', () => {
  const transition: HealthTransition = { kind: 'component', path: 'storage', from: 'UP', to: 'DOWN', at: 1, reason: SECRET };
  it('keeps the reason with details and drops it without', () => {
    expect(visibleTransition(transition, true)).toBe(transition);
    expect(visibleTransition(transition, false)).toEqual({ kind: 'component', path: 'storage', from: 'UP', to: 'DOWN', at: 1 });
  });
});

describe('DASHBOARD_VIEW', () => {
  // The page and the stream's HEAD answer read nothing from the context.
  const context = {} as ViewContext;
  it('serves the page with a policy that allows only its own inline code', () => {
    const page = DASHBOARD_VIEW.routes.find((r) => r.path === '')!.render!(context)!;
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-length']).toBe(String(Buffer.byteLength(page.body!)));
    expect(page.body).toContain('new EventSource(');
    expect(page.body).not.toMatch(/(src|href)=["']?https?:/);
    expect(DASHBOARD_CSP).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(DASHBOARD_CSP).not.toContain('unsafe-inline');
  });

  it('serves the fleet page beside it, on the same stream, each page with its own policy', () => {
    const [node, fleet] = ['', 'fleet'].map((path) => DASHBOARD_VIEW.routes.find((r) => r.path === path)!.render!(context)!);
    expect(fleet.statusCode).toBe(200);
    expect(fleet.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'content-security-policy': FLEET_CSP });
    expect(fleet.body).toContain('<title>Fleet health</title>');
    expect(fleet.body).toContain('addEventListener(name,');
    expect(fleet.body).toMatch(/fleet: render,/);
    expect(fleet.body).not.toMatch(/(src|href)=["']?https?:/);
    // Each policy allows exactly the inline code its page carries.
    for (const [page, csp] of [
      [node, DASHBOARD_CSP],
      [fleet, FLEET_CSP],
    ] as const) {
      for (const tag of ['script', 'style']) {
        const inline = page.body!.match(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`))![1];
        expect(csp).toContain(`${tag}-src 'sha256-${createHash('sha256').update(inline).digest('base64')}'`);
      }
    }
    expect(FLEET_CSP).not.toBe(DASHBOARD_CSP);
    expect(FLEET_CSP).not.toContain('unsafe-inline');
    // The two pages link to each other; the script sets where.
    for (const page of [node, fleet])
      expect(page.body).toMatch(/<nav class="pages"[^>]*><a id="nav-node"[^>]*>This node<\/a><a id="nav-fleet"/);
    expect(node.body).toContain('<a id="nav-node" aria-current="page">');
    expect(fleet.body).toContain('<a id="nav-fleet" aria-current="page">');
  });

  it('has an events route that the event-stream transport serves', () => {
    const events = DASHBOARD_VIEW.routes.find((r) => r.path === 'events')!;
    expect(events.transport).toBe('event-stream');
    expect(events.render!(context)!.headers['content-type']).toBe('text/event-stream; charset=utf-8');
  });
});
