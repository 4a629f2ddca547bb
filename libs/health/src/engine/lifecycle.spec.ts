import { describe, expect, it, jest } from '@jest/globals';
import { Lifecycle } from './lifecycle.js';

describe('Lifecycle', () => {
  it('starts neither started nor draining', () => {
    expect(new Lifecycle(0, () => {}).current).toEqual({ started: false, draining: false });
  });

  it('reports a change once, not on a repeated call', () => {
    const onChange = jest.fn();
    const lifecycle = new Lifecycle(0, onChange);
    lifecycle.markStarted();
    lifecycle.markStarted();
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(lifecycle.current).toEqual({ started: true, draining: false });
  });

  it('drains once: every caller gets the same promise, which resolves after drainMs', async () => {
    const onChange = jest.fn();
    const lifecycle = new Lifecycle(30, onChange);
    const startedAt = Date.now();
    const first = lifecycle.drain();
    expect(lifecycle.drain()).toBe(first);
    expect(lifecycle.current.draining).toBe(true);
    expect(onChange).toHaveBeenCalledTimes(1);
    await first;
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(25);
  });
});
