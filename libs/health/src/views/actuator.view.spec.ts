import { describe, expect, it } from '@jest/globals';
import { ACTUATOR_VIEW, renderActuator } from './actuator.view.js';
import { body, config, degradedMqtt, snapshotOf } from '../testing/health-test-kit.js';

describe('actuator view', () => {
  const snapshot = snapshotOf({ mqtt: degradedMqtt, cluster: { status: 'UP', details: { 'node-id': 'n1' } } });

  it('lives under /actuator/health', () => {
    expect(ACTUATOR_VIEW.defaultPrefix).toBe('actuator/health');
  });

  it('answers the system as Spring Boot does: status, components with the probe states, groups', () => {
    const response = renderActuator(snapshot, [], config, false)!;
    expect(response.statusCode).toBe(200);
    expect(body(response)).toEqual({
      status: 'DEGRADED_SERVICE',
      components: {
        cluster: { status: 'UP' },
        mqtt: {
          status: 'DEGRADED',
          components: { 'tcp-listener-1883': { status: 'UP' }, 'tls-tcp-listener-8883': { status: 'DEGRADED' } },
        },
        livenessState: { status: 'UP' },
        readinessState: { status: 'DEGRADED_SERVICE' },
      },
      groups: ['liveness', 'readiness'],
    });
  });

  it('answers liveness and readiness groups, and any component path', () => {
    expect(body(renderActuator(snapshot, ['liveness'], config, true))).toEqual({ status: 'UP' });
    expect(Object.keys(body(renderActuator(snapshot, ['readiness'], config, true)).components)).toEqual(['cluster', 'mqtt']);
    expect(body(renderActuator(snapshot, ['mqtt', 'tls-tcp-listener-8883'], config, false))).toEqual({ status: 'DEGRADED' });
    expect(body(renderActuator(snapshot, ['cluster'], config, true))).toEqual({ status: 'UP', details: { 'node-id': 'n1' } });
    expect(renderActuator(snapshot, ['nope'], config, true)).toBeUndefined();
  });

  it('answers DOWN with 503', () => {
    const down = snapshotOf({ cluster: { status: 'DOWN' } });
    expect(renderActuator(down, [], config, true)!.statusCode).toBe(503);
    expect(renderActuator(down, ['readiness'], config, true)!.statusCode).toBe(503);
    expect(body(renderActuator(down, ['readiness'], config, true)).status).toBe('OUT_OF_SERVICE');
  });
});
