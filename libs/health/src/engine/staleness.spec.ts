import { describe, expect, it, jest, beforeAll } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import { StalenessGuard } from './staleness.js';

const snapshot = (at: number) => ({ at }) as HealthSnapshot;

beforeAll(() => Logger.overrideLogger(false));

describe('StalenessGuard', () => {
  it('passes a fresh snapshot through untouched', () => {
    const markStale = jest.fn((s: HealthSnapshot) => s);
    const fresh = snapshot(1);
    expect(new StalenessGuard(100, markStale).check(fresh, 1000, 1100)).toBe(fresh);
    expect(markStale).not.toHaveBeenCalled();
  });

  it('marks a snapshot stale past the threshold, once per snapshot', () => {
    const stale = snapshot(2);
    const markStale = jest.fn(() => stale);
    const guard = new StalenessGuard(100, markStale);
    const latest = snapshot(1);
    expect(guard.check(latest, 1000, 1101)).toBe(stale);
    expect(guard.check(latest, 1000, 1500)).toBe(stale);
    expect(markStale).toHaveBeenCalledTimes(1);
    guard.check(snapshot(3), 1000, 1600);
    expect(markStale).toHaveBeenCalledTimes(2);
  });
});
