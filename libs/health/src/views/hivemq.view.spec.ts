import { describe, expect, it } from '@jest/globals';
import type { HealthComponent } from '../model/health-component.interface.js';
import { body, config, degradedMqtt, snapshotOf } from '../testing/health-test-kit.js';
import { renderComponent, renderGroup, renderHivemq, renderSystem } from './hivemq.view.js';

describe('renderSystem', () => {
  it('answers a healthy system exactly as the seed shows it', () => {
    const response = renderSystem(snapshotOf({ info: { status: 'UP' } }), config, true);
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(
      JSON.stringify({
        status: 'UP',
        components: { info: { status: 'UP' }, 'liveness-state': { status: 'UP' }, 'readiness-state': { status: 'UP' } },
        groups: ['liveness', 'readiness'],
      }),
    );
  });

  it('answers an unhealthy system with 503 and the states of liveness and readiness', () => {
    const response = renderSystem(snapshotOf({ info: { status: 'DOWN' } }), config, true);
    expect(response.statusCode).toBe(503);
    expect(response.body).toBe(
      JSON.stringify({
        status: 'DOWN',
        components: { info: { status: 'DOWN' }, 'liveness-state': { status: 'UP' }, 'readiness-state': { status: 'UP' } },
        groups: ['liveness', 'readiness'],
      }),
    );
  });

  it('shows the readiness state of a degraded member as DEGRADED_SERVICE', () => {
    const response = renderSystem(snapshotOf({ mqtt: degradedMqtt }), config, false);
    expect(response.statusCode).toBe(200);
    expect(body(response)).toEqual({
      status: 'DEGRADED_SERVICE',
      components: {
        mqtt: {
          status: 'DEGRADED',
          components: { 'tcp-listener-1883': { status: 'UP' }, 'tls-tcp-listener-8883': { status: 'DEGRADED' } },
        },
        'liveness-state': { status: 'UP' },
        'readiness-state': { status: 'DEGRADED_SERVICE' },
      },
      groups: ['liveness', 'readiness'],
    });
  });

  it('shows details when allowed and hides them everywhere in the tree when not', () => {
    const snapshot = snapshotOf({ mqtt: degradedMqtt, info: { status: 'UP', details: { version: '0.0.0' } } });
    expect(body(renderSystem(snapshot, config, true)).components.mqtt).toEqual(degradedMqtt);
    expect(body(renderSystem(snapshot, config, true)).components.info.details).toEqual({ version: '0.0.0' });
    const hidden = renderSystem(snapshot, config, false).body!;
    expect(hidden).not.toContain('details');
    expect(hidden).not.toContain('0.0.0');
  });

  it('omits an absent component', () => {
    expect(Object.keys(body(renderSystem(snapshotOf({ cluster: null, info: { status: 'UP' } }), config, true)).components)).toEqual([
      'info',
      'liveness-state',
      'readiness-state',
    ]);
  });
});

describe('renderGroup', () => {
  it('answers a group with no members exactly {"status":"UP"}', () => {
    const response = renderGroup({ status: 'UP', components: {} }, config, true);
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{"status":"UP"}');
  });

  it('answers the liveness group of a snapshot without members exactly {"status":"UP"}', () => {
    expect(renderHivemq(snapshotOf({ info: { status: 'DOWN' } }), ['liveness'], config, true)!.body).toBe('{"status":"UP"}');
  });

  it('answers a readiness group that is out of service as the seed shows it, with 503', () => {
    const group: Parameters<typeof renderGroup>[0] = {
      status: 'OUT_OF_SERVICE',
      components: { cluster: { status: 'UP', details: {} }, mqtt: { status: 'DOWN', components: {} } },
    };
    const response = renderGroup(group, config, true);
    expect(response.statusCode).toBe(503);
    expect(response.body).toBe(
      '{"status":"OUT_OF_SERVICE","components":{"cluster":{"status":"UP","details":{}},"mqtt":{"status":"DOWN","components":{}}}}',
    );
  });

  it('keys a sub-component member by its path', () => {
    const group: Parameters<typeof renderGroup>[0] = { status: 'UP', components: { 'mqtt/tcp-listener-1883': { status: 'UP' } } };
    expect(renderGroup(group, config, true).body).toBe('{"status":"UP","components":{"mqtt/tcp-listener-1883":{"status":"UP"}}}');
  });

  it('hides member details when details are hidden', () => {
    const group: Parameters<typeof renderGroup>[0] = { status: 'DEGRADED_SERVICE', components: { mqtt: degradedMqtt } };
    expect(body(renderGroup(group, config, false))).toEqual({
      status: 'DEGRADED_SERVICE',
      components: {
        mqtt: {
          status: 'DEGRADED',
          components: { 'tcp-listener-1883': { status: 'UP' }, 'tls-tcp-listener-8883': { status: 'DEGRADED' } },
        },
      },
    });
    expect(body(renderGroup(group, config, true)).components.mqtt).toEqual(degradedMqtt);
  });
});

describe('renderComponent', () => {
  it('answers a component with sub-components exactly as given', () => {
    const response = renderComponent(degradedMqtt, config, true);
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(JSON.stringify(degradedMqtt));
  });

  it('answers a DOWN component with 503', () => {
    expect(renderComponent({ status: 'DOWN', details: { reason: 'x' } }, config, true).statusCode).toBe(503);
    expect(renderComponent({ status: 'OUT_OF_SERVICE' }, config, true).statusCode).toBe(503);
  });

  it('hides details at every level when details are hidden', () => {
    const component: HealthComponent = {
      status: 'UP',
      details: { a: 1 },
      components: { b: { status: 'UP', details: { b: 2 }, components: { c: { status: 'UP', details: { c: 3 } } } } },
    };
    expect(renderComponent(component, config, false).body).toBe(
      '{"status":"UP","components":{"b":{"status":"UP","components":{"c":{"status":"UP"}}}}}',
    );
  });
});
