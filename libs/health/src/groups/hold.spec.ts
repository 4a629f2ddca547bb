import { describe, expect, it } from '@jest/globals';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { HealthGroupResult } from '../model/health-group.interface.js';
import type { HealthLifecycle } from '../model/health-snapshot.interface.js';
import { BUILT_IN_GROUPS, HELD_GROUPS, SYSTEM_STATE_GROUPS } from './built-in-groups.js';
import { holdGroups, holdReason } from './evaluate-group.js';
import { isStarting } from './verdicts.js';
import { DRAINING_REASON, holdOf, memberHold, readinessHold, STARTING_REASON } from './verdicts.js';

const RUNNING: HealthLifecycle = { started: true, draining: false };
const NOT_STARTED: HealthLifecycle = { started: false, draining: false };
const DRAINING: HealthLifecycle = { started: true, draining: true };
const starting: HealthComponent = { status: 'UNKNOWN', details: { reason: STARTING_REASON } };
const up: HealthComponent = { status: 'UP' };

function group(components: Record<string, HealthComponent>, details?: HealthGroupResult['details']): HealthGroupResult {
  const counted = Object.fromEntries(Object.entries(components).map(([path, c]) => [path, c.status]));
  return { status: 'UP', components, counted, ...(details && { details }) };
}

describe('built-in groups', () => {
  it('holds and counts in the system status only built-in groups, and never holds liveness', () => {
    expect(BUILT_IN_GROUPS).toEqual(['liveness', 'readiness', 'startup']);
    expect(HELD_GROUPS).toEqual(['readiness', 'startup']);
    expect(SYSTEM_STATE_GROUPS).toEqual(['liveness', 'readiness']);
  });
});

describe('holdReason', () => {
  it('holds for a drain first, then for a start-up not complete, then for a member still starting', () => {
    expect(holdReason({ started: false, draining: true }, { a: starting })).toBe(DRAINING_REASON);
    expect(holdReason(DRAINING, {})).toBe(DRAINING_REASON);
    expect(holdReason(NOT_STARTED, { a: up })).toBe(STARTING_REASON);
    expect(holdReason(RUNNING, { a: up, b: starting })).toBe(STARTING_REASON);
    expect(holdReason(RUNNING, { a: up, b: { status: 'DOWN' } })).toBeUndefined();
  });
});

describe('isStarting', () => {
  it('finds UNKNOWN "starting" at any depth, and only with that reason', () => {
    expect(isStarting(starting)).toBe(true);
    expect(isStarting({ status: 'UP', components: { deep: { status: 'UP', components: { x: starting } } } })).toBe(true);
    expect(isStarting({ status: 'UNKNOWN', details: { reason: 'not checked yet' } })).toBe(false);
    expect(isStarting({ status: 'DOWN', details: { reason: STARTING_REASON } })).toBe(false);
  });
});

describe('holdGroups', () => {
  it('holds readiness and startup OUT_OF_SERVICE with the reason, keeping grace details; liveness and custom groups untouched', () => {
    const graced = { reason: 'grace window running for b', 'grace-remaining-ms': { b: 10 } };
    const groups = { liveness: group({ a: up }), readiness: group({ b: up }, graced), startup: group({}), custom: group({ a: up }) };
    const held = holdGroups(groups, DRAINING);
    expect(held.readiness).toEqual({
      ...groups.readiness,
      status: 'OUT_OF_SERVICE',
      details: { reason: DRAINING_REASON, 'grace-remaining-ms': { b: 10 } },
    });
    expect(held.startup).toMatchObject({ status: 'OUT_OF_SERVICE', details: { reason: DRAINING_REASON } });
    expect(held.liveness).toBe(groups.liveness);
    expect(held.custom).toBe(groups.custom);
    expect(groups.readiness.status).toBe('UP');
  });

  it('holds for a member still starting only the groups that have it', () => {
    const held = holdGroups({ readiness: group({ cluster: starting }), startup: group({ broker: up }) }, RUNNING);
    expect(held.readiness).toMatchObject({ status: 'OUT_OF_SERVICE', details: { reason: STARTING_REASON } });
    expect(held.startup.status).toBe('UP');
  });

  it('leaves a missing held group missing', () => {
    expect(Object.keys(holdGroups({ liveness: group({}) }, NOT_STARTED))).toEqual(['liveness']);
  });
});

describe('reading the hold back', () => {
  const snapshot = { groups: holdGroups({ readiness: group({ cluster: starting, mqtt: up }), startup: group({ broker: up }) }, RUNNING) };

  it('reads the hold of a group and of readiness, never a grace window reason', () => {
    expect(holdOf(snapshot.groups.readiness)).toBe(STARTING_REASON);
    expect(readinessHold(snapshot)).toBe(STARTING_REASON);
    expect(holdOf(snapshot.groups.startup)).toBeUndefined();
    expect(holdOf(group({}, { reason: 'grace window running for cluster' }))).toBeUndefined();
    expect(holdOf(undefined)).toBeUndefined();
  });

  it('tells whether a component belongs to a held group: a member, a node inside one, or a parent of one', () => {
    const nested = { groups: holdGroups({ readiness: group({ 'mqtt/tcp-listener-1883': up }) }, NOT_STARTED) };
    expect(memberHold(snapshot, 'cluster')).toBe(STARTING_REASON);
    expect(memberHold(snapshot, 'mqtt/tls-tcp-listener-8883')).toBe(STARTING_REASON);
    expect(memberHold(nested, 'mqtt')).toBe(STARTING_REASON);
    expect(memberHold(nested, 'mqtt/tcp-listener-1883')).toBe(STARTING_REASON);
    expect(memberHold(nested, 'mqtt/tls-tcp-listener-8883')).toBeUndefined();
    // broker is in startup, which is not held; mqtt-bridge only shares a prefix with mqtt.
    expect(memberHold(snapshot, 'broker')).toBeUndefined();
    expect(memberHold(snapshot, 'mqtt-bridge')).toBeUndefined();
  });
});
