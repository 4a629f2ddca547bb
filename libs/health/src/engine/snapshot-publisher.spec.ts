import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { GroupInput } from '../model/health-group.interface.js';
import type { HealthLifecycle, HealthTransition } from '../model/health-snapshot.interface.js';
import { createHealthConfig } from '../options/health-config.js';
import { builderFor, result, RUNNING } from '../testing/health-test-kit.js';
import { SnapshotBuilder } from './snapshot-builder.js';
import { SnapshotPublisher } from './snapshot-publisher.js';

const STARTING_UP: HealthLifecycle = { started: false, draining: false };
const starting = { status: 'UNKNOWN' as const, details: { reason: 'starting' } };

describe('a member still starting', () => {
  const builder = () => builderFor({ readiness: { members: ['broker', 'mqtt'] } });

  it('holds readiness OUT_OF_SERVICE "starting" even once start-up is declared complete', () => {
    const { snapshot } = builder().build([result('broker', starting), result('mqtt', { status: 'UP' })], 1, 1, RUNNING);
    expect(snapshot.groups.readiness).toMatchObject({ status: 'OUT_OF_SERVICE', details: { reason: 'starting' } });
    // Liveness is untouched.
    expect(snapshot.groups.liveness.status).toBe('UP');
  });

  it('holds it for a sub-component still starting too, and lets go once it has started', () => {
    const b = builder();
    const mqtt = (listener: HealthComponent) => ({ status: 'UP' as const, components: { 'tcp-listener-1883': listener } });
    const early = b.build([result('broker', { status: 'UP' }), result('mqtt', mqtt(starting))], 1, 1, RUNNING);
    expect(early.snapshot.groups.readiness.status).toBe('OUT_OF_SERVICE');
    const later = b.build([result('broker', { status: 'UP' }), result('mqtt', mqtt({ status: 'UP' }))], 2, 2, RUNNING);
    expect(later.snapshot.groups.readiness).toEqual({
      status: 'UP',
      components: { broker: { status: 'UP' }, mqtt: { status: 'UP', components: { 'tcp-listener-1883': { status: 'UP' } } } },
      counted: { broker: 'UP', mqtt: 'UP' },
    });
  });

  it('does not hold readiness for an UNKNOWN with another reason', () => {
    const unknown = { status: 'UNKNOWN' as const, details: { reason: 'no data yet' } };
    const { snapshot } = builder().build([result('broker', unknown), result('mqtt', { status: 'UP' })], 1, 1, RUNNING);
    expect(snapshot.groups.readiness.status).toBe('UP');
  });
});

describe('SnapshotPublisher log', () => {
  let warn: jest.SpiedFunction<Logger['warn']>;
  let log: jest.SpiedFunction<Logger['log']>;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  const publisher = (emit: (t: HealthTransition) => void = () => {}) => {
    const config = createHealthConfig({ groups: { readiness: { members: ['storage'] } } });
    const inputs: GroupInput[] = config.groups.map((definition) => ({ definition, members: definition.members }));
    const placeholder = { status: 'UNKNOWN' as const, details: { reason: 'not checked yet' } };
    const placeholders = [result('storage', placeholder), result('disk', placeholder)];
    return new SnapshotPublisher(config, new SnapshotBuilder(config, inputs), emit, placeholders, 0, STARTING_UP);
  };

  it('emits the placeholders without logging them, then each transition it logs', () => {
    const emitted: HealthTransition[] = [];
    const p = publisher((t) => emitted.push(t));
    expect(emitted.filter((t) => t.kind === 'component').map((t) => [t.path, t.from, t.to])).toEqual([
      ['storage', null, 'UNKNOWN'],
      ['disk', null, 'UNKNOWN'],
    ]);
    expect(p.latest.components.storage.status).toBe('UNKNOWN');
    expect(log).not.toHaveBeenCalled();
    emitted.length = 0;
    const latest = p.publish([result('storage', { status: 'UP' }), result('disk', { status: 'UNKNOWN' })], 1, 1, RUNNING);
    expect(p.latest).toBe(latest);
    expect(emitted.map((t) => `${t.kind} ${t.path}: ${t.from} -> ${t.to}`)).toEqual([
      'component storage: UNKNOWN -> UP',
      'group readiness: OUT_OF_SERVICE -> UP',
      'group startup: OUT_OF_SERVICE -> UP',
    ]);
    expect(log).toHaveBeenCalledWith('storage: UNKNOWN -> UP');
    expect(log).toHaveBeenCalledWith('group readiness: OUT_OF_SERVICE -> UP');
  });

  const down = (reason: string) => ({ status: 'DOWN' as const, details: { reason } });

  it("logs a held member's first verdict during start-up without a warning; anything else still warns", () => {
    const p = publisher();
    p.publish([result('storage', down('storage not open')), result('disk', down('disk full'))], 1, 1, STARTING_UP);
    expect(log).toHaveBeenCalledWith('storage: UNKNOWN -> DOWN (storage not open)');
    // Not a readiness member: a failure at boot is news.
    expect(warn.mock.calls).toEqual([['disk: UNKNOWN -> DOWN (disk full)']]);
  });

  it('warns for a member that fails after start-up, or after it was known', () => {
    const p = publisher();
    p.publish([result('storage', { status: 'UP' }), result('disk', { status: 'UP' })], 1, 1, STARTING_UP);
    p.publish([result('storage', down('lost')), result('disk', { status: 'UP' })], 2, 2, STARTING_UP);
    expect(warn.mock.calls).toEqual([['storage: UP -> DOWN (lost)']]);
    const q = publisher();
    q.publish([result('storage', down('refused')), result('disk', { status: 'UP' })], 1, 1, RUNNING);
    expect(warn.mock.calls.at(-1)).toEqual(['storage: UNKNOWN -> DOWN (refused)']);
  });

  const DRAINING: HealthLifecycle = { started: true, draining: true };
  const draining = (drainMs: number) => {
    const config = createHealthConfig({ drainMs, groups: { readiness: { members: ['storage'] } } });
    const inputs: GroupInput[] = config.groups.map((definition) => ({ definition, members: definition.members }));
    const p = new SnapshotPublisher(config, new SnapshotBuilder(config, inputs), () => {}, [result('storage', starting)], 0, STARTING_UP);
    p.publish([result('storage', { status: 'UP' })], 1, 1, RUNNING);
    warn.mockClear();
    log.mockClear();
    return p;
  };

  it('says a drain once, though it holds both readiness and startup', () => {
    const emitted: HealthTransition[] = [];
    const config = createHealthConfig({ drainMs: 5000 });
    const inputs: GroupInput[] = config.groups.map((definition) => ({ definition, members: definition.members }));
    const p = new SnapshotPublisher(config, new SnapshotBuilder(config, inputs), (t) => emitted.push(t), [], 0, RUNNING);
    emitted.length = 0;
    p.publish([], 1, 1, DRAINING);
    // Both groups still change on the stream; the log says it once.
    expect(emitted.map((t) => `${t.path}: ${t.to} (${t.reason})`)).toEqual([
      'readiness: OUT_OF_SERVICE (draining)',
      'startup: OUT_OF_SERVICE (draining)',
    ]);
    expect(warn.mock.calls).toEqual([['group readiness: UP -> OUT_OF_SERVICE (draining)']]);
    expect(log).not.toHaveBeenCalled();
  });

  it('says a drain of 0 ms as a plain line: a shutdown without a drain window is nothing to warn about', () => {
    draining(0).publish([result('storage', { status: 'UP' })], 2, 2, DRAINING);
    expect(warn).not.toHaveBeenCalled();
    expect(log.mock.calls).toEqual([['group readiness: UP -> OUT_OF_SERVICE (draining)']]);
  });

  it('says the drain once when readiness was already out of service (the startup group carries it)', () => {
    const p = draining(5000);
    p.publish([result('storage', down('refused'))], 2, 2, RUNNING);
    warn.mockClear();
    p.publish([result('storage', down('refused'))], 3, 3, DRAINING);
    expect(warn.mock.calls).toEqual([['group startup: UP -> OUT_OF_SERVICE (draining)']]);
  });

  const causes = () => {
    const config = createHealthConfig({ groups: { readiness: { members: ['cluster', 'storage', 'broker'] } } });
    const inputs: GroupInput[] = config.groups.map((definition) => ({ definition, members: definition.members }));
    const names = ['cluster', 'storage', 'broker'];
    return new SnapshotPublisher(
      config,
      new SnapshotBuilder(config, inputs),
      () => {},
      names.map((n) => result(n, starting)),
      0,
      STARTING_UP,
    );
  };
  const refused = {
    status: 'DOWN' as const,
    details: { reason: 'storage unavailable', error: 'redis unreachable: connect ECONNREFUSED 127.0.0.1:6379' },
  };

  it('logs the underlying error with the reason, and root cause first: storage before the cluster that follows from it', () => {
    const p = causes();
    const up = { status: 'UP' as const };
    p.publish([result('cluster', up), result('storage', up), result('broker', up)], 1, 1, RUNNING);
    warn.mockClear();
    p.publish([result('cluster', down('cut off from the cluster')), result('storage', refused), result('broker', up)], 2, 2, RUNNING);
    expect(warn.mock.calls.map(([line]) => line)).toEqual([
      'storage: UP -> DOWN (storage unavailable: redis unreachable: connect ECONNREFUSED 127.0.0.1:6379)',
      'cluster: UP -> DOWN (cut off from the cluster)',
      'group readiness: UP -> OUT_OF_SERVICE (root cause storage — storage unavailable: redis unreachable: connect ECONNREFUSED 127.0.0.1:6379; also cluster)',
    ]);
  });

  it('logs once when a component stays DOWN but its cause changes (ECONNREFUSED, then WRONGPASS)', () => {
    const p = causes();
    const rest = [result('cluster', starting), result('broker', starting)];
    p.publish([result('storage', refused), ...rest], 1, 1, STARTING_UP);
    expect(log).toHaveBeenCalledWith(
      'storage: UNKNOWN -> DOWN (storage unavailable: redis unreachable: connect ECONNREFUSED 127.0.0.1:6379)',
    );
    log.mockClear();
    p.publish([result('storage', refused), ...rest], 2, 2, STARTING_UP);
    expect(log).not.toHaveBeenCalled();
    const wrongpass = {
      status: 'DOWN' as const,
      details: { reason: 'storage unavailable', error: 'WRONGPASS invalid username-password pair' },
    };
    p.publish([result('storage', wrongpass), ...rest], 3, 3, STARTING_UP);
    p.publish([result('storage', wrongpass), ...rest], 4, 4, STARTING_UP);
    expect(log.mock.calls).toEqual([['storage: still DOWN (storage unavailable: WRONGPASS invalid username-password pair)']]);
    // Causes taking turns are not said again during the same outage.
    p.publish([result('storage', refused), ...rest], 5, 5, STARTING_UP);
    p.publish([result('storage', wrongpass), ...rest], 6, 6, STARTING_UP);
    expect(log).toHaveBeenCalledTimes(1);
    expect(warn).not.toHaveBeenCalled();
  });
});
