import { describe, expect, it, jest } from '@jest/globals';
import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import { SnapshotMemo } from './snapshot-memo.js';
import { jsonResponse, type ViewResponse } from '../views/view-response.js';

/** The memo only uses a snapshot as a key. */
const snapshot = () => ({}) as HealthSnapshot;

describe('SnapshotMemo', () => {
  it('renders once per snapshot and key', () => {
    const memo = new SnapshotMemo();
    const s = snapshot();
    const render = jest.fn(() => jsonResponse(200, { status: 'UP' }));
    const first = memo.get(s, 'hivemq:true:', render);
    const second = memo.get(s, 'hivemq:true:', render);
    expect(render).toHaveBeenCalledTimes(1);
    expect(second).toBe(first);
    expect(first!.body).toBe('{"status":"UP"}');
  });

  it('renders again for another key', () => {
    const memo = new SnapshotMemo();
    const s = snapshot();
    const render = jest.fn(() => jsonResponse(200, { status: 'UP' }));
    memo.get(s, 'hivemq:true:', render);
    memo.get(s, 'hivemq:false:', render);
    memo.get(s, 'hivemq:true:mqtt', render);
    expect(render).toHaveBeenCalledTimes(3);
  });

  it('renders again for a new snapshot', () => {
    const memo = new SnapshotMemo();
    const render = jest.fn(() => jsonResponse(200, { status: 'UP' }));
    const first = memo.get(snapshot(), 'k', render);
    const second = memo.get(snapshot(), 'k', render);
    expect(render).toHaveBeenCalledTimes(2);
    expect(second).not.toBe(first);
  });

  it('does not cache a route that does not exist', () => {
    const memo = new SnapshotMemo();
    const s = snapshot();
    const render = jest.fn((): ViewResponse | undefined => undefined);
    expect(memo.get(s, 'hivemq:true:nope', render)).toBeUndefined();
    expect(memo.get(s, 'hivemq:true:nope', render)).toBeUndefined();
    expect(render).toHaveBeenCalledTimes(2);
  });
});
