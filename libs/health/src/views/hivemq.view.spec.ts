import { describe, expect, it } from '@jest/globals';
import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import { SnapshotBuilder, type IndicatorResult } from '../engine/snapshot-builder.js';
import type { GroupInput } from '../model/health-group.interface.js';
import { createHealthConfig, type HealthConfig } from '../options/health-config.js';
import type { HealthModuleOptions } from '../options/health-options.interface.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import { renderComponent, renderGroup, renderHivemq, renderSystem, visible } from './hivemq.view.js';
import type { ViewResponse } from './view-response.js';

const config = createHealthConfig({ groups: { readiness: { members: ['cluster', 'mqtt'] } } });

/** A snapshot as the engine would publish it, with the liveness and readiness groups of `options`. */
function snapshotOf(components: Record<string, HealthComponent | null>, options: HealthModuleOptions = { groups: { readiness: { members: ['cluster', 'mqtt'] } } }): HealthSnapshot {
  const c = createHealthConfig(options);
  const inputs: GroupInput[] = c.groups.filter((g) => g.name === 'liveness' || g.name === 'readiness').map((definition) => ({ definition, members: definition.members }));
  const results: IndicatorResult[] = Object.entries(components).map(([name, component]) => ({
    name,
    component,
    stats: { checkedAt: 0, durationMs: 0, failed: false, failures: 0 },
  }));
  return new SnapshotBuilder(c, inputs).build(results, 1000, 1000, { started: true, draining: false }).snapshot;
}

const body = (response: ViewResponse | undefined) => JSON.parse(response!.body!);

/** The seed's degraded MQTT component. */
const degradedMqtt: HealthComponent = {
  status: 'DEGRADED',
  components: {
    'tcp-listener-1883': {
      status: 'UP',
      details: { 'bind-address': '0.0.0.0', 'is-proxy-protocol-supported': false, 'is-running': true, port: 1883, type: 'TCP Listener' },
    },
    'tls-tcp-listener-8883': {
      status: 'DEGRADED',
      details: {
        'bind-address': '0.0.0.0',
        'is-proxy-protocol-supported': false,
        'is-running': true,
        'last-tls-failure': "com.hivemq.security.exception.SslException: Not able to open or read KeyStore '/usr/lib/jvm/11/jre/lib/security/cacerts/keystore.jks' with type 'JKS'",
        port: 8883,
        type: 'TCP Listener with TLS',
      },
    },
  },
};

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
        mqtt: { status: 'DEGRADED', components: { 'tcp-listener-1883': { status: 'UP' }, 'tls-tcp-listener-8883': { status: 'DEGRADED' } } },
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
    expect(response.body).toBe('{"status":"OUT_OF_SERVICE","components":{"cluster":{"status":"UP","details":{}},"mqtt":{"status":"DOWN","components":{}}}}');
  });

  it('keys a sub-component member by its path', () => {
    const group: Parameters<typeof renderGroup>[0] = { status: 'UP', components: { 'mqtt/tcp-listener-1883': { status: 'UP' } } };
    expect(renderGroup(group, config, true).body).toBe('{"status":"UP","components":{"mqtt/tcp-listener-1883":{"status":"UP"}}}');
  });

  it('hides member details when details are hidden', () => {
    const group: Parameters<typeof renderGroup>[0] = { status: 'DEGRADED_SERVICE', components: { mqtt: degradedMqtt } };
    expect(body(renderGroup(group, config, false))).toEqual({
      status: 'DEGRADED_SERVICE',
      components: { mqtt: { status: 'DEGRADED', components: { 'tcp-listener-1883': { status: 'UP' }, 'tls-tcp-listener-8883': { status: 'DEGRADED' } } } },
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
    expect(renderComponent(component, config, false).body).toBe('{"status":"UP","components":{"b":{"status":"UP","components":{"c":{"status":"UP"}}}}}');
  });
});

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
    expect(body(renderHivemq(snapshot, ['mqtt', 'tcp-listener-1883'], config, true))).toEqual(degradedMqtt.components!['tcp-listener-1883']);
  });

  it('is undefined where nothing is', () => {
    for (const segments of [['nope'], ['mqtt', 'nope'], ['mqtt', 'tcp-listener-1883', 'deeper'], ['constructor'], ['toString'], ['readiness', 'cluster']]) {
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
