import { describe, expect, it } from '@jest/globals';
import type { HealthComponent } from '../model/health-component.interface.js';
import type { HealthLifecycle } from '../model/health-snapshot.interface.js';
import { everyGroupBuilder, renderAt, result, RUNNING } from '../testing/health-test-kit.js';
import { ZEEBE_VIEW } from './zeebe.view.js';

const up = { cluster: { status: 'UP' } } satisfies Record<string, HealthComponent>;
const down = { cluster: { status: 'DOWN' } } satisfies Record<string, HealthComponent>;
const NOT_STARTED: HealthLifecycle = { started: false, draining: false };

/** The status codes of startup, ready and health after each build in turn. */
function codes(...steps: [Record<string, HealthComponent>, HealthLifecycle][]): number[][] {
  const builder = everyGroupBuilder();
  return steps.map(([components, lifecycle], i) => {
    const results = Object.entries(components).map(([name, component]) => result(name, component));
    const { snapshot } = builder.build(results, i + 1, i + 1, lifecycle);
    return ['startup', 'ready', 'health'].map((path) => renderAt(ZEEBE_VIEW, path, snapshot)!.statusCode);
  });
}

describe('zeebe view', () => {
  it('answers 204 with no body and no Content-Length, or 503 with an empty one', () => {
    const [[startup]] = codes([up, RUNNING]);
    expect(startup).toBe(204);
    const snapshot = everyGroupBuilder().build([], 1, 1, RUNNING).snapshot;
    expect(renderAt(ZEEBE_VIEW, 'health', snapshot)).toEqual({ statusCode: 204, headers: { 'cache-control': 'no-store' } });
    const starting = everyGroupBuilder().build([], 1, 1, NOT_STARTED).snapshot;
    expect(renderAt(ZEEBE_VIEW, 'health', starting)).toEqual({
      statusCode: 503,
      headers: { 'cache-control': 'no-store', 'content-length': '0' },
    });
  });

  it('fails startup, ready and health until start-up completes', () => {
    expect(codes([up, NOT_STARTED], [up, RUNNING])).toEqual([
      [503, 503, 503],
      [204, 204, 204],
    ]);
  });

  it('keeps ready once reached while health follows the system', () => {
    expect(codes([up, RUNNING], [down, RUNNING], [up, RUNNING])).toEqual([
      [204, 204, 204],
      [204, 204, 503],
      [204, 204, 204],
    ]);
  });

  it('never answers health before ready was reached', () => {
    expect(codes([down, RUNNING], [down, RUNNING])).toEqual([
      [204, 503, 503],
      [204, 503, 503],
    ]);
  });

  it('fails startup and health while draining, keeping ready', () => {
    expect(codes([up, RUNNING], [up, { started: true, draining: true }])).toEqual([
      [204, 204, 204],
      [503, 204, 503],
    ]);
  });
});
