import { describe, expect, it } from '@jest/globals';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { HealthGroupResult } from '../model/health-group.interface.js';
import { DEFAULT_HTTP_STATUS, type HealthStatus } from '../model/health-status.js';
import { failingMembers, isFailing, probeMembers, readinessMode, rootCause, rootCauseRank } from './verdicts.js';

const codes = { httpStatus: DEFAULT_HTTP_STATUS };

function group(
  components: Record<string, HealthComponent>,
  counted: Record<string, HealthStatus> = {},
  status: HealthStatus = 'UP',
): HealthGroupResult {
  return { status, components, counted };
}

describe('isFailing', () => {
  it('fails a status that answers 400 or more under the HTTP map', () => {
    expect(isFailing(codes, { status: 'DOWN' })).toBe(true);
    expect(isFailing(codes, { status: 'OUT_OF_SERVICE' })).toBe(true);
    expect(isFailing(codes, { status: 'DEGRADED_SERVICE' })).toBe(false);
    expect(isFailing(codes, { status: 'UNKNOWN' })).toBe(false);
    expect(isFailing({ httpStatus: { ...DEFAULT_HTTP_STATUS, DEGRADED: 429, DOWN: 399 } }, { status: 'DEGRADED' })).toBe(true);
    expect(isFailing({ httpStatus: { ...DEFAULT_HTTP_STATUS, DOWN: 399 } }, { status: 'DOWN' })).toBe(false);
  });
});

describe('probeMembers', () => {
  it('judges each member as the group counts it (grace window, mapping), in member order', () => {
    const members = probeMembers(group({ b: { status: 'DOWN' }, a: { status: 'UP' } }, { b: 'UP', a: 'OUT_OF_SERVICE' }), codes);
    expect(members.map(({ path, failing }) => ({ path, failing }))).toEqual([
      { path: 'b', failing: false },
      { path: 'a', failing: true },
    ]);
  });

  it('falls back on the status it reads when the group has not counted it', () => {
    expect(probeMembers(group({ a: { status: 'DOWN' } }), codes)[0].failing).toBe(true);
  });

  it('gives the reason and the raw error of a member', () => {
    const [member] = probeMembers(
      group({ store: { status: 'DOWN', details: { reason: 'storage unavailable', error: 'badger: closed' } } }),
      codes,
    );
    expect(member).toMatchObject({ reason: 'storage unavailable', error: 'badger: closed' });
  });

  it('lets a silent member speak through its first sub-component not UP, depth first', () => {
    const mqtt: HealthComponent = {
      status: 'DOWN',
      components: {
        ok: { status: 'UP', details: { reason: 'fine' } },
        unknown: { status: 'UNKNOWN', details: { reason: 'not checked' } },
        tcp: { status: 'DOWN', components: { v6: { status: 'DOWN', details: { 'last-failure': 'EADDRINUSE' } } } },
        tls: { status: 'DOWN', details: { reason: 'bad cert' } },
      },
    };
    const [member] = probeMembers(group({ mqtt }), codes);
    expect(member).toMatchObject({ reason: 'tcp/v6: EADDRINUSE', error: 'tcp/v6: EADDRINUSE' });
  });

  it('has no reason for a member with no text anywhere', () => {
    const [member] = probeMembers(group({ a: { status: 'DOWN', details: { reason: '' } } }), codes);
    expect(member.reason).toBeUndefined();
    expect(member.error).toBeUndefined();
  });
});

describe('root cause order', () => {
  it('orders members broker, storage, cluster, mqtt, then the rest in group order', () => {
    const members = probeMembers(
      group({
        z: { status: 'UP' },
        mqtt: { status: 'UP' },
        cluster: { status: 'UP' },
        a: { status: 'UP' },
        storage: { status: 'UP' },
        broker: { status: 'UP' },
      }),
      codes,
    );
    expect(members.map((m) => m.path)).toEqual(['broker', 'storage', 'cluster', 'mqtt', 'z', 'a']);
    expect(rootCauseRank('mqtt/tcp-listener-1883')).toBe(rootCauseRank('mqtt'));
  });

  it('takes the first failing member in that order as the root cause', () => {
    const members = probeMembers(group({ cluster: { status: 'DOWN' }, storage: { status: 'DOWN' }, broker: { status: 'UP' } }), codes);
    expect(rootCause(members)?.path).toBe('storage');
    expect(rootCause(probeMembers(group({ broker: { status: 'UP' } }), codes))).toBeUndefined();
  });

  it('hands the blame on to the failing member a member waits for, and lists the failing root cause first', () => {
    const down = (extra: Record<string, unknown> = {}) => ({ status: 'DOWN' as const, details: { reason: 'r', ...extra } });
    const members = probeMembers(
      group({ mqtt: down({ 'waiting-for': 'broker' }), cluster: down(), storage: down(), broker: down({ 'waiting-for': 'storage' }) }),
      codes,
    );
    expect(rootCause(members)?.path).toBe('storage');
    expect(failingMembers(members).map((m) => m.path)).toEqual(['storage', 'broker', 'cluster', 'mqtt']);
    // Waiting for a member that does not fail, or one that is not there, or in a circle: the order decides.
    const healthyStore = probeMembers(group({ broker: down({ 'waiting-for': 'storage' }), storage: { status: 'UP' } }), codes);
    expect(rootCause(healthyStore)?.path).toBe('broker');
    const circle = probeMembers(group({ broker: down({ 'waiting-for': 'storage' }), storage: down({ 'waiting-for': 'broker' }) }), codes);
    expect(rootCause(circle)?.path).toBe('storage');
    expect(failingMembers(probeMembers(group({ broker: { status: 'UP' } }), codes))).toEqual([]);
  });

  it('marks a member still starting (UNKNOWN "starting", itself or below) as starting, not failing', () => {
    const starting = { status: 'UNKNOWN', details: { reason: 'starting' } } as const;
    const [mqtt, other] = probeMembers(group({ mqtt: { status: 'UP', components: { tcp: starting } }, x: { status: 'UNKNOWN' } }), codes);
    expect(mqtt).toMatchObject({ starting: true, failing: false });
    expect(other).toMatchObject({ starting: false, failing: false });
  });
});

describe('readinessMode', () => {
  const snapshot = (status: HealthStatus) => ({ groups: { readiness: group({}, {}, status) } });

  it('is nominal when readiness is UP, degraded when it passes otherwise, not_ready when it fails', () => {
    expect(readinessMode(snapshot('UP'), codes)).toBe('nominal');
    expect(readinessMode(snapshot('DEGRADED_SERVICE'), codes)).toBe('degraded');
    expect(readinessMode(snapshot('UNKNOWN'), codes)).toBe('degraded');
    expect(readinessMode(snapshot('OUT_OF_SERVICE'), codes)).toBe('not_ready');
  });
});
