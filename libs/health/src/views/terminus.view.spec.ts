import { describe, expect, it } from '@jest/globals';
import { createHealthConfig } from '../options/health-config.js';
import { renderTerminus, TERMINUS_VIEW } from './terminus.view.js';
import { body, config, snapshotOf } from '../testing/health-test-kit.js';

const redisDown = { status: 'DOWN', details: { reason: 'connect ECONNREFUSED' } } as const;

describe('terminus view', () => {
  it('serves /health and /health/<group>', () => {
    expect(TERMINUS_VIEW.routes).toEqual([expect.objectContaining({ path: 'health', subtree: true })]);
    expect(renderTerminus(snapshotOf({ mqtt: { status: 'UP' } }), ['no-such-group'], config, true)).toBeUndefined();
    expect(renderTerminus(snapshotOf({ mqtt: { status: 'UP' } }), ['readiness', 'x'], config, true)).toBeUndefined();
  });

  it('answers ok with 200, every component in info and details', () => {
    const response = renderTerminus(snapshotOf({ mqtt: { status: 'UP', details: { port: 1883 } } }), [], config, true)!;
    expect(response.statusCode).toBe(200);
    expect(body(response)).toEqual({
      status: 'ok',
      info: { mqtt: { status: 'up', port: 1883 } },
      error: {},
      details: { mqtt: { status: 'up', port: 1883 } },
    });
  });

  it('answers error with 503, the failing component in error with its reason', () => {
    const response = renderTerminus(snapshotOf({ mqtt: { status: 'UP' }, cluster: redisDown }), [], config, true)!;
    expect(response.statusCode).toBe(503);
    expect(body(response)).toEqual({
      status: 'error',
      info: { mqtt: { status: 'up' } },
      error: { cluster: { status: 'down', reason: 'connect ECONNREFUSED' } },
      details: { mqtt: { status: 'up' }, cluster: { status: 'down', reason: 'connect ECONNREFUSED' } },
    });
  });

  it('counts a degraded component as up (it answers 200 everywhere)', () => {
    const response = renderTerminus(snapshotOf({ mqtt: { status: 'DEGRADED' } }), [], config, true)!;
    expect(response.statusCode).toBe(200);
    expect(body(response).info).toEqual({ mqtt: { status: 'up' } });
  });

  it('hides details when details are hidden', () => {
    const response = renderTerminus(snapshotOf({ cluster: redisDown }), [], config, false)!;
    expect(body(response).error).toEqual({ cluster: { status: 'down' } });
    expect(response.body).not.toContain('ECONNREFUSED');
  });

  it('answers shutting_down with 503 while the app drains, on /health and on readiness, which the drain holds', () => {
    const snapshot = snapshotOf({ mqtt: { status: 'UP' } }, undefined, { started: true, draining: true });
    const response = renderTerminus(snapshot, [], config, true)!;
    expect(response.statusCode).toBe(503);
    expect(body(response).status).toBe('shutting_down');
    const readiness = renderTerminus(snapshot, ['readiness'], config, true)!;
    expect([readiness.statusCode, body(readiness).status]).toEqual([503, 'shutting_down']);
  });

  it('keeps liveness ok through the drain: a drain never fails liveness', () => {
    const snapshot = snapshotOf(
      { 'event-loop': { status: 'UP' } },
      { groups: { liveness: { members: ['event-loop'] } } },
      { started: true, draining: true },
    );
    const liveness = renderTerminus(snapshot, ['liveness'], config, true)!;
    expect(liveness.statusCode).toBe(200);
    expect(body(liveness)).toMatchObject({ status: 'ok', info: { 'event-loop': { status: 'up' } } });
  });

  it('renders a group from its members as the group counts them', () => {
    const snapshot = snapshotOf({ mqtt: { status: 'UP' }, cluster: redisDown, info: { status: 'DOWN' } });
    const readiness = renderTerminus(snapshot, ['readiness'], config, true)!;
    expect(readiness.statusCode).toBe(503);
    expect(Object.keys(body(readiness).details)).toEqual(['cluster', 'mqtt']);
    expect(body(readiness).error).toEqual({ cluster: { status: 'down', reason: 'connect ECONNREFUSED' } });
    const liveness = renderTerminus(snapshot, ['liveness'], config, true)!;
    expect(liveness.statusCode).toBe(200);
    expect(body(liveness)).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
  });

  it('follows a custom HTTP map', () => {
    const custom = createHealthConfig({ httpStatus: { DOWN: 500 } });
    expect(renderTerminus(snapshotOf({ cluster: redisDown }), [], custom, true)!.statusCode).toBe(500);
  });
});
