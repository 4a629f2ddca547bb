import { describe, expect, it, jest } from '@jest/globals';
import type { HealthLifecycle } from '../model/health-snapshot.interface.js';
import { Lifecycle } from './lifecycle.js';

function watched(drainMs: number) {
  const lifecycle = new Lifecycle(drainMs);
  const onChange = jest.fn<(state: HealthLifecycle) => void>();
  lifecycle.changes$.subscribe(onChange);
  return { lifecycle, onChange };
}

describe('Lifecycle', () => {
  it('starts neither started nor draining', () => {
    expect(new Lifecycle(0).current).toEqual({ started: false, draining: false });
  });

  it('reports a change once, not on a repeated call', () => {
    const { lifecycle, onChange } = watched(0);
    lifecycle.markStarted();
    lifecycle.markStarted();
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(onChange).toHaveBeenCalledWith({ started: true, draining: false });
    expect(lifecycle.current).toEqual({ started: true, draining: false });
  });

  it('drains once: every caller gets the same promise, which resolves after drainMs', async () => {
    const { lifecycle, onChange } = watched(30);
    const startedAt = Date.now();
    const first = lifecycle.drain();
    expect(lifecycle.drain()).toBe(first);
    expect(lifecycle.current.draining).toBe(true);
    expect(onChange).toHaveBeenCalledTimes(1);
    await first;
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(25);
  });

  it('keeps changes made before anyone watches', () => {
    const lifecycle = new Lifecycle(0);
    lifecycle.markStarted();
    void lifecycle.drain();
    expect(lifecycle.current).toEqual({ started: true, draining: true });
  });
});
