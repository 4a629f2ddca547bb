import { describe, expect, it } from '@jest/globals';
import { createHealthConfig, type HealthConfig } from '../options/health-config.js';
import { body, config, degradedMqtt, snapshotOf } from '../testing/health-test-kit.js';
import { renderComponent, renderGroup, renderHivemq, renderSystem, visible } from './hivemq.view.js';

describe('HTTP codes from the configured map', () => {
  it.each([
    ['UP', 200],
    ['UNKNOWN', 200],
    ['DEGRADED', 200],
    ['DEGRADED_SERVICE', 200],
    ['DOWN', 503],
    ['OUT_OF_SERVICE', 503],
  ] as const)('answers %s with %d by default', (status, code) => {
    expect(renderComponent({ status }, config, true).statusCode).toBe(code);
    expect(renderGroup({ status, components: {} }, config, true).statusCode).toBe(code);
  });

  it('uses a custom map for systems, groups and components', () => {
    const custom: HealthConfig = createHealthConfig({ httpStatus: { DEGRADED: 207, DEGRADED_SERVICE: 218, DOWN: 500, UNKNOWN: 299 } });
    expect(renderComponent({ status: 'DEGRADED' }, custom, true).statusCode).toBe(207);
    expect(renderComponent({ status: 'UNKNOWN' }, custom, true).statusCode).toBe(299);
    expect(renderComponent({ status: 'UP' }, custom, true).statusCode).toBe(200);
    expect(renderGroup({ status: 'DEGRADED_SERVICE', components: {} }, custom, true).statusCode).toBe(218);
    expect(renderGroup({ status: 'OUT_OF_SERVICE', components: {} }, custom, true).statusCode).toBe(503);
    expect(renderSystem(snapshotOf({ info: { status: 'DOWN' } }), custom, true).statusCode).toBe(500);
  });
});

describe('renderHivemq', () => {
  const snapshot = snapshotOf({ mqtt: degradedMqtt, cluster: { status: 'UP' } });

  it('answers the system at no segments', () => {
    expect(renderHivemq(snapshot, [], config, true)).toEqual(renderSystem(snapshot, config, true));
  });

  it('answers a group by name', () => {
    const response = renderHivemq(snapshot, ['readiness'], config, true)!;
    expect(response.statusCode).toBe(200);
    expect(body(response).status).toBe('DEGRADED_SERVICE');
    expect(Object.keys(body(response).components)).toEqual(['cluster', 'mqtt']);
  });

  it('answers a component and a sub-component by path', () => {
    expect(renderHivemq(snapshot, ['mqtt'], config, true)!.body).toBe(JSON.stringify(degradedMqtt));
    expect(renderHivemq(snapshot, ['mqtt', 'tls-tcp-listener-8883'], config, false)!.body).toBe('{"status":"DEGRADED"}');
    expect(body(renderHivemq(snapshot, ['mqtt', 'tcp-listener-1883'], config, true))).toEqual(
      degradedMqtt.components!['tcp-listener-1883'],
    );
  });

  it('is undefined where nothing is', () => {
    for (const segments of [
      ['nope'],
      ['mqtt', 'nope'],
      ['mqtt', 'tcp-listener-1883', 'deeper'],
      ['constructor'],
      ['toString'],
      ['readiness', 'cluster'],
    ]) {
      expect(renderHivemq(snapshot, segments, config, true)).toBeUndefined();
    }
  });
});

describe('visible', () => {
  it('returns the component itself when details are shown', () => {
    expect(visible(degradedMqtt, true)).toBe(degradedMqtt);
  });

  it('does not change the component it strips', () => {
    const before = structuredClone(degradedMqtt);
    visible(degradedMqtt, false);
    expect(degradedMqtt).toEqual(before);
  });
});
