import { describe, expect, it } from '@jest/globals';
import { createHealthConfig } from '../options/health-config.js';
import { findComponent } from '../model/component-tree.js';
import type { GroupDefinition, GroupInput } from '../model/health-group.interface.js';
import type { HealthComponent } from '../model/health-component.interface.js';
import { READINESS_MAPPING, type HealthStatus } from '../model/health-status.js';
import { StatusOrder } from '../model/status-order.js';
import { evaluateGroup } from './evaluate-group.js';
import { graceRemaining } from './verdicts.js';

const order = new StatusOrder();
const NOW = 1_000_000;
const never = () => undefined;

function group(members: string[], definition: Partial<GroupDefinition> = {}): GroupInput {
  return { definition: { name: 'custom', members, mapping: {}, graceMs: 0, ...definition }, members };
}

function readiness(members: string[], graceMs = 0): GroupInput {
  return group(members, { name: 'readiness', mapping: READINESS_MAPPING, graceMs });
}

const mqtt: HealthComponent = {
  status: 'UP',
  components: {
    'tcp-listener-1883': { status: 'UP', details: { port: 1883 } },
    'tls-tcp-listener-8883': { status: 'DEGRADED', details: { port: 8883 } },
  },
};

describe('findComponent', () => {
  const tree = { mqtt };

  it('finds a top-level component and a sub-component by path', () => {
    expect(findComponent(tree, 'mqtt')).toBe(mqtt);
    expect(findComponent(tree, 'mqtt/tcp-listener-1883')).toEqual({ status: 'UP', details: { port: 1883 } });
  });

  it('is undefined when any step is missing', () => {
    expect(findComponent(tree, 'cluster')).toBeUndefined();
    expect(findComponent(tree, 'mqtt/ws-listener-8000')).toBeUndefined();
    expect(findComponent(tree, 'mqtt/tcp-listener-1883/deeper')).toBeUndefined();
  });

  it('does not find inherited object properties', () => {
    expect(findComponent(tree, 'constructor')).toBeUndefined();
    expect(findComponent(tree, 'mqtt/toString')).toBeUndefined();
    expect(findComponent(tree, '__proto__')).toBeUndefined();
  });
});

describe('evaluateGroup', () => {
  it('is exactly UP with no members for an empty group', () => {
    expect(evaluateGroup(group([]), { mqtt: { status: 'DOWN' } }, order, never, NOW)).toEqual({
      status: 'UP',
      components: {},
      counted: {},
    });
  });

  it('aggregates its members to the worst status and lists each member', () => {
    const result = evaluateGroup(
      group(['cluster', 'mqtt']),
      { cluster: { status: 'UP' }, mqtt: { status: 'DEGRADED' }, info: { status: 'DOWN' } },
      order,
      never,
      NOW,
    );
    expect(result).toEqual({
      status: 'DEGRADED',
      components: { cluster: { status: 'UP' }, mqtt: { status: 'DEGRADED' } },
      counted: { cluster: 'UP', mqtt: 'DEGRADED' },
    });
  });

  it.each<[HealthStatus, HealthStatus]>([
    ['UP', 'UP'],
    ['UNKNOWN', 'UNKNOWN'],
    ['DEGRADED', 'DEGRADED_SERVICE'],
    ['DEGRADED_SERVICE', 'DEGRADED_SERVICE'],
    ['DOWN', 'OUT_OF_SERVICE'],
    ['OUT_OF_SERVICE', 'OUT_OF_SERVICE'],
  ])('readiness maps an aggregate %s to %s', (member, expected) => {
    const result = evaluateGroup(readiness(['mqtt']), { mqtt: { status: member } }, order, never, NOW);
    expect(result.status).toBe(expected);
    expect(result.components.mqtt.status).toBe(member);
  });

  it('applies no mapping to a group without one', () => {
    expect(evaluateGroup(group(['mqtt']), { mqtt: { status: 'DOWN' } }, order, never, NOW).status).toBe('DOWN');
    expect(evaluateGroup(group(['mqtt']), { mqtt: { status: 'DEGRADED' } }, order, never, NOW).status).toBe('DEGRADED');
  });

  it('maps the aggregate, not each member', () => {
    // DOWN outranks DEGRADED_SERVICE only before mapping: a mapping DOWN → DEGRADED applies to the aggregate DOWN.
    const soft = group(['a', 'b'], { mapping: { DOWN: 'DEGRADED' } });
    expect(evaluateGroup(soft, { a: { status: 'DOWN' }, b: { status: 'DEGRADED_SERVICE' } }, order, never, NOW).status).toBe('DEGRADED');
  });

  it('uses the readiness mapping of a default config', () => {
    const definition = createHealthConfig({ groups: { readiness: { members: ['mqtt'] } } }).groups.find((g) => g.name === 'readiness')!;
    const result = evaluateGroup({ definition, members: definition.members }, { mqtt: { status: 'DOWN' } }, order, never, NOW);
    expect(result.status).toBe('OUT_OF_SERVICE');
  });

  it('takes a sub-component path as a member, judged by that sub-component alone', () => {
    const result = evaluateGroup(readiness(['mqtt/tcp-listener-1883']), { mqtt }, order, never, NOW);
    expect(result).toEqual({
      status: 'UP',
      components: { 'mqtt/tcp-listener-1883': { status: 'UP', details: { port: 1883 } } },
      counted: { 'mqtt/tcp-listener-1883': 'UP' },
    });
    expect(evaluateGroup(readiness(['mqtt/tls-tcp-listener-8883']), { mqtt }, order, never, NOW).status).toBe('DEGRADED_SERVICE');
  });

  it('skips a member whose top-level component is absent', () => {
    const result = evaluateGroup(readiness(['cluster', 'cluster/peers', 'mqtt']), { mqtt: { status: 'UP' } }, order, never, NOW);
    expect(result).toEqual({ status: 'UP', components: { mqtt: { status: 'UP' } }, counted: { mqtt: 'UP' } });
  });

  it('is UP when every member is absent', () => {
    expect(evaluateGroup(readiness(['cluster']), {}, order, never, NOW)).toEqual({ status: 'UP', components: {}, counted: {} });
  });

  it('counts a missing sub-path of a present component as DOWN, with a reason', () => {
    const result = evaluateGroup(readiness(['mqtt/ws-listener-8000']), { mqtt }, order, never, NOW);
    expect(result).toEqual({
      status: 'OUT_OF_SERVICE',
      components: { 'mqtt/ws-listener-8000': { status: 'DOWN', details: { reason: 'no component at "mqtt/ws-listener-8000"' } } },
      counted: { 'mqtt/ws-listener-8000': 'OUT_OF_SERVICE' },
    });
  });

  it('counts a sub-path of a component without sub-components as DOWN', () => {
    expect(evaluateGroup(group(['cluster/peers']), { cluster: { status: 'UP' } }, order, never, NOW).status).toBe('DOWN');
  });

  describe('grace window', () => {
    const down = { mqtt: { status: 'DOWN' as const } };
    const since = (at: number) => (path: string) => (path === 'mqtt' ? at : undefined);

    it('counts a member DOWN for less than graceMs as UP, still showing it DOWN', () => {
      const result = evaluateGroup(readiness(['mqtt'], 1000), down, order, since(NOW - 999), NOW);
      expect(result).toEqual({
        status: 'UP',
        details: { reason: 'grace window running for mqtt', 'grace-remaining-ms': { mqtt: 1 } },
        components: { mqtt: { status: 'DOWN' } },
        counted: { mqtt: 'UP' },
      });
    });

    it('says how much of each running window is left, and nothing once none runs', () => {
      const tree = { a: { status: 'DOWN' as const }, b: { status: 'OUT_OF_SERVICE' as const }, c: { status: 'DOWN' as const } };
      const sinceOf: Record<string, number> = { a: NOW - 250, b: NOW - 900, c: NOW - 5000 };
      const result = evaluateGroup(group(['a', 'b', 'c'], { graceMs: 1000 }), tree, order, (path) => sinceOf[path], NOW);
      expect(result.status).toBe('DOWN');
      expect(result.details).toEqual({ reason: 'grace window running for a, b', 'grace-remaining-ms': { a: 750, b: 100 } });
      expect(graceRemaining(result)).toEqual({ a: 750, b: 100 });
      const over = evaluateGroup(group(['a'], { graceMs: 1000 }), tree, order, () => NOW - 1000, NOW);
      expect(over.details).toBeUndefined();
      expect(graceRemaining(over)).toEqual({});
    });

    it('counts it DOWN once graceMs has passed', () => {
      expect(evaluateGroup(readiness(['mqtt'], 1000), down, order, since(NOW - 1000), NOW).status).toBe('OUT_OF_SERVICE');
      expect(evaluateGroup(readiness(['mqtt'], 1000), down, order, since(NOW - 5000), NOW).status).toBe('OUT_OF_SERVICE');
    });

    it('forgives OUT_OF_SERVICE too', () => {
      const result = evaluateGroup(group(['mqtt'], { graceMs: 1000 }), { mqtt: { status: 'OUT_OF_SERVICE' } }, order, since(NOW - 10), NOW);
      expect(result.status).toBe('UP');
    });

    it('does not forgive DEGRADED', () => {
      const result = evaluateGroup(readiness(['mqtt'], 1000), { mqtt: { status: 'DEGRADED' } }, order, since(NOW - 10), NOW);
      expect(result.status).toBe('DEGRADED_SERVICE');
    });

    it('gives no grace without a known since or with graceMs 0', () => {
      expect(evaluateGroup(readiness(['mqtt'], 1000), down, order, never, NOW).status).toBe('OUT_OF_SERVICE');
      expect(evaluateGroup(readiness(['mqtt'], 0), down, order, since(NOW), NOW).status).toBe('OUT_OF_SERVICE');
    });

    it('looks up since by the member path of a sub-component', () => {
      const tree = { mqtt: { status: 'DOWN' as const, components: { 'tcp-listener-1883': { status: 'DOWN' as const } } } };
      const asked: string[] = [];
      const result = evaluateGroup(
        readiness(['mqtt/tcp-listener-1883'], 1000),
        tree,
        order,
        (path) => {
          asked.push(path);
          return NOW - 10;
        },
        NOW,
      );
      expect(asked).toEqual(['mqtt/tcp-listener-1883']);
      expect(result.status).toBe('UP');
    });

    it('takes a grace window per member path, none for a member not listed', () => {
      const tree = { mqtt: { status: 'DOWN' as const }, cluster: { status: 'DOWN' as const } };
      const recently = () => NOW - 10;
      expect(evaluateGroup(readiness(['mqtt']), tree, order, recently, NOW).status).toBe('OUT_OF_SERVICE');
      const perMember = group(['mqtt', 'cluster'], { name: 'readiness', mapping: READINESS_MAPPING, graceMs: { mqtt: 1000 } });
      expect(evaluateGroup({ ...perMember, members: ['mqtt'] }, tree, order, recently, NOW).status).toBe('UP');
      expect(evaluateGroup(perMember, tree, order, recently, NOW).status).toBe('OUT_OF_SERVICE');
      expect(evaluateGroup({ ...perMember, members: ['mqtt'] }, tree, order, () => NOW - 1000, NOW).status).toBe('OUT_OF_SERVICE');
    });

    it('forgives only the member within its window', () => {
      const tree = { a: { status: 'DOWN' as const }, b: { status: 'DOWN' as const } };
      const result = evaluateGroup(readiness(['a', 'b'], 1000), tree, order, (path) => (path === 'a' ? NOW - 10 : NOW - 2000), NOW);
      expect(result.status).toBe('OUT_OF_SERVICE');
    });
  });
});
