import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { HealthStatus } from 'nestjs-mqtt-health';
import { bootProbeApp, state, type ProbeApp } from './probe-app.js';

let probe: ProbeApp | undefined;
afterEach(async () => {
  await probe?.app.close();
  probe = undefined;
});

/** A liveness model that counts the cluster, served by the views that ask for it and by no other. */
const STRICT = { groups: { 'strict-liveness': { members: ['cluster'] } } };

describe('a view mount naming the group that answers its liveness', () => {
  it('answers that view from the group named, on one listener beside views that keep the liveness group', async () => {
    probe = await bootProbeApp(STRICT, [
      'hivemq',
      'kubernetes',
      { view: 'fluxmq', groups: { liveness: 'strict-liveness' } },
      { view: 'actuator', groups: { liveness: 'strict-liveness' } },
    ]);
    state.cluster = { status: HealthStatus.DOWN, details: { reason: 'cut off from the cluster' } };
    await probe.health.refresh();
    const get = (path: string) => request(probe!.url).get(path);

    expect((await get('/health')).body).toEqual({ status: 'unhealthy' });
    expect((await get('/health')).status).toBe(503);
    expect((await get('/actuator/health/liveness')).status).toBe(503);
    expect((await get('/actuator/health')).body.components.livenessState).toEqual({ status: 'DOWN' });

    expect((await get('/api/v1/health/liveness')).status).toBe(200);
    expect((await get('/api/v1/health')).body.components['liveness-state']).toEqual({ status: 'UP' });
    expect((await get('/livez')).body).toEqual({ status: 'ok' });
    // The group itself is served as any group is.
    expect((await get('/api/v1/health/strict-liveness')).status).toBe(503);
  });

  it('fails the boot naming the field when the group is not configured', async () => {
    await expect(bootProbeApp({}, [{ view: 'actuator', groups: { liveness: 'strict-liveness' } }])).rejects.toThrow(
      /healthApi\.listeners\[0\]\.views\[0\]\.groups\.liveness" must name a configured group \(liveness, readiness, startup\)/,
    );
  });
});
