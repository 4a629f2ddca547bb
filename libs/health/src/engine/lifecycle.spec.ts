import { describe, expect, it, jest } from '@jest/globals';
import type { HttpAdapterHost } from '@nestjs/core';
import { Subject } from 'rxjs';
import type { HealthLifecycle } from '../model/health-snapshot.interface.js';
import { Lifecycle, whenServing } from './lifecycle.js';

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

describe('whenServing (startup: auto)', () => {
  /** A stand-in for Nest's HttpAdapterHost: an adapter, and listen$ that fires once the app listens. */
  function host(listening = false) {
    const listen$ = new Subject<void>();
    return { value: { httpAdapter: {}, listening, listen$ } as unknown as HttpAdapterHost, listen: () => listen$.next() };
  }

  it('completes at bootstrap when the Health API has no port of its own: probes reach it only through the app', () => {
    const started = jest.fn();
    whenServing(host().value, false, started);
    expect(started).toHaveBeenCalledTimes(1);
  });

  it('waits for listen() when it has a port of its own, which answers before the app serves', () => {
    const started = jest.fn();
    const app = host();
    whenServing(app.value, true, started);
    expect(started).not.toHaveBeenCalled();
    app.listen();
    expect(started).toHaveBeenCalledTimes(1);
  });

  it('completes at once in an app that already listens, and in an application context (no HTTP adapter)', () => {
    const started = jest.fn();
    whenServing(host(true).value, true, started);
    whenServing(undefined, true, started);
    whenServing({ httpAdapter: undefined } as unknown as HttpAdapterHost, true, started);
    expect(started).toHaveBeenCalledTimes(3);
  });

  it('on shutdown drains for a signal or a drain the app began, and otherwise closes at once saying the drain was skipped', async () => {
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const signalled = new Lifecycle(10);
    await signalled.beforeShutdown('SIGTERM', log);
    expect(signalled.current.draining).toBe(true);
    const begun = new Lifecycle(10);
    const drained = begun.drain();
    expect(begun.beforeShutdown(undefined, log)).toBe(drained);
    expect(lines).toEqual([]);
    const closed = new Lifecycle(1500);
    await closed.beforeShutdown(undefined, log);
    expect(closed.current.draining).toBe(false);
    expect(lines).toEqual([
      expect.stringMatching(/^Closing without the 1500 ms drain: no signal closed the app\. .*HealthService\.drain\(\)/),
    ]);
    await new Lifecycle(0).beforeShutdown(undefined, log);
    expect(lines).toHaveLength(1);
  });
});
