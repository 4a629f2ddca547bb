import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { HB, peerStates, reachable, start } from './heartbeats.test-kit.js';

beforeEach(() => {
  jest.useFakeTimers({ now: 1_000_000 });
  jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
});
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('CLUSTER_MEMBERSHIP=emitter', () => {
  it('waits while another live process holds its node id: its heartbeats are not its own, no announcement, no leadership', async () => {
    const holder = 'pid 1 on host other, instance 0123456789ab';
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const control = { eval: async () => holder } as unknown as Redis;
    const { service, published, deliver, joining } = start('emitter', control);
    let joined = false;
    void joining.then(() => (joined = true));
    await jest.advanceTimersByTimeAsync(3 * HB);
    deliver('heartbeat', 'a');
    deliver('birth', 'a');
    expect([service.state, service.isLeader, joined, published.includes('$SYS/a/birth')]).toEqual(['JOINING', false, false, false]);
    expect(service.conflict).toMatch(/^node id a is held by a live member \(pid 1 on host other/);
    await service.leave();
    expect(published).not.toContain('$SYS/a/leave');
  });

  it('joins once the node id is free', async () => {
    let holder: string | number = 'pid 1 on host other, instance 0123456789ab';
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const control = { eval: async () => holder } as unknown as Redis;
    const { service, published, deliver, joining } = start('emitter', control);
    await jest.advanceTimersByTimeAsync(HB);
    holder = 1;
    await jest.advanceTimersByTimeAsync(HB);
    await joining;
    expect([service.conflict, service.isLeader, published.includes('$SYS/a/birth')]).toEqual([undefined, true, true]);
    deliver('birth', 'a');
    expect(service.state).toBe('RUNNING');
  });

  it('hears heartbeats, is RUNNING once its birth comes back, drops a peer that says goodbye, and says goodbye itself', async () => {
    const evals: unknown[][] = [];
    const control = { eval: async (...args: unknown[]) => (evals.push(args), 1) } as unknown as Redis;
    const { service, published, deliver, joining } = start('emitter', control);
    await joining;
    expect(service.state).toBe('JOINING');
    deliver('birth', 'a');
    expect(service.state).toBe('RUNNING');
    deliver('heartbeat', 'b');
    deliver('heartbeat', 'c');
    await jest.advanceTimersByTimeAsync(HB);
    deliver('heartbeat', 'a');
    deliver('heartbeat', 'b');
    await jest.advanceTimersByTimeAsync(0.6 * HB);
    expect(reachable(service)).toEqual({ b: true, c: false });
    deliver('leave', 'c');
    expect(reachable(service)).toEqual({ b: true });
    expect(service.isLeader).toBe(true);
    await service.leave();
    expect(published).toContain('$SYS/a/leave');
    expect(evals.at(-1)).toEqual([
      expect.stringContaining("redis.call('del'"),
      2,
      'aedes-health:leader',
      'aedes-health:node:a',
      'a',
      expect.stringMatching(/^pid \d+ on host /),
    ]);
    expect(service.isLeader).toBe(false);
  });

  it('says it is leaving at once and with each heartbeat, gives up the lease, and renews its claim until it leaves', async () => {
    const evals: unknown[][] = [];
    const control = { eval: async (...args: unknown[]) => (evals.push(args), args.at(-1) === '1' ? 0 : 1) } as unknown as Redis;
    const { service, published, deliver, joining } = start('emitter', control);
    await joining;
    deliver('birth', 'a');
    await jest.advanceTimersByTimeAsync(HB);
    expect(service.isLeader).toBe(true);
    await service.announceLeaving();
    expect([service.state, service.isLeader, published.filter((t) => t === '$SYS/a/leaving').length]).toEqual(['LEAVING', false, 1]);
    expect(evals.at(-1)!.at(-1)).toBe('1');
    await jest.advanceTimersByTimeAsync(3 * HB);
    expect(published.filter((t) => t === '$SYS/a/leaving')).toHaveLength(4);
    expect(evals.slice(-3).every((args) => args.at(-1) === '1')).toBe(true);
    expect(service.isLeader).toBe(false);
    await service.leave();
    const count = evals.length;
    await jest.advanceTimersByTimeAsync(3 * HB);
    expect([evals.length, published.filter((t) => t === '$SYS/a/leaving').length]).toEqual([count, 4]);
    expect(published).toContain('$SYS/a/leave');
  });

  it('sees a peer leaving until it says goodbye; one that dies mid-leave turns unreachable, one that starts again is not leaving', async () => {
    const control = { eval: async () => 1 } as unknown as Redis;
    const { service, deliver, joining } = start('emitter', control);
    await joining;
    deliver('birth', 'a');
    deliver('heartbeat', 'b');
    deliver('heartbeat', 'c');
    deliver('leaving', 'b');
    deliver('leaving', 'c');
    deliver('leaving', 'never-heard');
    expect(peerStates(service)).toEqual({ b: 'leaving', c: 'leaving' });
    deliver('leave', 'b');
    await jest.advanceTimersByTimeAsync(1.6 * HB);
    expect(peerStates(service)).toEqual({ c: 'unreachable' });
    deliver('birth', 'c');
    expect(peerStates(service)).toEqual({ c: 'reachable' });
  });
});
