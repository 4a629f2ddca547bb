import { describe, expect, it } from '@jest/globals';
import { RUNNING, snapshotOf } from '../testing/health-test-kit.js';
import {
  MAX_FAILING_COMPONENTS,
  MAX_SUMMARY_BYTES,
  MAX_SUMMARY_REASON,
  nodeState,
  parseSummary,
  sameStatuses,
  summarize,
} from './fleet-summary.js';

const failingExtensions = {
  extensions: {
    status: 'DOWN' as const,
    details: { reason: '1 of 2 extensions failing' },
    components: {
      acl: { status: 'DOWN' as const, details: { reason: 'acl: ECONNREFUSED', secret: 'not shared' } },
      quota: { status: 'DOWN' as const, details: { 'last-startup-failure': 'quota: configure() threw', type: 'extension' } },
      audit: { status: 'UP' as const, details: { loaded: true } },
    },
  },
  storage: { status: 'UP' as const, details: { type: 'redis' } },
  info: { status: 'UP' as const, details: { version: '2.1.0' } },
};

describe('summarize', () => {
  it('keeps every top-level status and only the branches not UP, with their reasons and no other detail', () => {
    const summary = summarize(snapshotOf(failingExtensions), 'n2', Date.UTC(2026, 0, 1));
    expect(summary).toMatchObject({ v: 1, node: 'n2', state: 'RUNNING', version: '2.1.0', updatedAt: '2026-01-01T00:00:00.000Z' });
    expect(summary.components).toEqual({
      extensions: {
        status: 'DOWN',
        details: { reason: '1 of 2 extensions failing' },
        components: {
          acl: { status: 'DOWN', details: { reason: 'acl: ECONNREFUSED' } },
          quota: { status: 'DOWN', details: { reason: 'quota: configure() threw' } },
        },
      },
      storage: { status: 'UP' },
      info: { status: 'UP' },
    });
    expect(Object.keys(summary.groups)).toEqual(expect.arrayContaining(['liveness', 'readiness']));
  });

  it('returns the previous summary itself when nothing but the time changed', () => {
    const first = summarize(snapshotOf(failingExtensions), 'n2', 1000);
    expect(summarize(snapshotOf(failingExtensions, undefined, RUNNING, 9000), 'n2', 9000, first)).toBe(first);
    const healed = summarize(snapshotOf({ ...failingExtensions, extensions: { status: 'UP' } }), 'n2', 9000, first);
    expect(healed).not.toBe(first);
    expect(healed.updatedAt).toBe(new Date(9000).toISOString());
  });

  it('stays within MAX_SUMMARY_BYTES and counts what it left out, however large the tree and its reasons', () => {
    const many: Record<string, { status: 'DOWN'; details: { reason: string } }> = {};
    for (let i = 0; i < 500; i++) many[`extension-${i}-${'x'.repeat(80)}`] = { status: 'DOWN', details: { reason: 'r'.repeat(5000) } };
    const summary = summarize(snapshotOf({ extensions: { status: 'DOWN', components: many } }), 'n1', 0);
    expect(Buffer.byteLength(JSON.stringify(summary))).toBeLessThanOrEqual(MAX_SUMMARY_BYTES);
    expect(Object.keys(summary.components.extensions.components!).length).toBeLessThanOrEqual(MAX_FAILING_COMPONENTS);
    expect(summary.truncated).toBe(500 - Object.keys(summary.components.extensions.components!).length);
    const reason = Object.values(summary.components.extensions.components!)[0].details!.reason as string;
    expect(reason.length).toBe(MAX_SUMMARY_REASON);
  });

  it('holds no reason and no version for a node that shows details to no one', () => {
    const summary = summarize(snapshotOf(failingExtensions), 'n2', 0, undefined, false);
    expect(summary.version).toBeUndefined();
    expect(JSON.stringify(summary)).not.toMatch(/reason|ECONNREFUSED/);
    expect(summary.components.extensions.components!.acl).toEqual({ status: 'DOWN' });
  });

  it('tells a change of reasons alone from a change of statuses', () => {
    const first = summarize(snapshotOf(failingExtensions), 'n2', 0);
    const reworded = { ...failingExtensions, extensions: { ...failingExtensions.extensions, details: { reason: 'now worded otherwise' } } };
    const second = summarize(snapshotOf(reworded), 'n2', 1, first);
    expect(second).not.toBe(first);
    expect(sameStatuses(first, second)).toBe(true);
    const healed = summarize(snapshotOf({ ...failingExtensions, extensions: { status: 'UP' } }), 'n2', 2, first);
    expect(sameStatuses(first, healed)).toBe(false);
  });

  it('reads the node state from the lifecycle: joining before start-up, leaving while draining', () => {
    expect(nodeState({ started: false, draining: false })).toBe('JOINING');
    expect(nodeState({ started: true, draining: false })).toBe('RUNNING');
    expect(nodeState({ started: true, draining: true })).toBe('LEAVING');
  });
});

describe('parseSummary', () => {
  it('reads back what summarize wrote, and refuses what is not a summary', () => {
    const summary = summarize(snapshotOf(failingExtensions), 'n2', 0);
    expect(parseSummary(JSON.stringify(summary))).toEqual(summary);
    expect(parseSummary('not json')).toBeUndefined();
    expect(parseSummary('null')).toBeUndefined();
    expect(parseSummary(JSON.stringify({ ...summary, status: 'FINE' }))).toBeUndefined();
    expect(parseSummary(JSON.stringify({ ...summary, state: 'GONE' }))).toBeUndefined();
  });

  it('refuses what a summary cannot hold: a bad status anywhere in the tree, a component not an object, the bound exceeded', () => {
    const summary = summarize(snapshotOf(failingExtensions), 'n2', 0);
    const withTree = (components: unknown) => JSON.stringify({ ...summary, components });
    expect(parseSummary(withTree({ a: null }))).toBeUndefined();
    expect(parseSummary(withTree({ b: 5 }))).toBeUndefined();
    expect(parseSummary(withTree({ c: { status: 'DOWN', components: { d: 'str' } } }))).toBeUndefined();
    expect(parseSummary(withTree({ c: { status: 'SICK' } }))).toBeUndefined();
    expect(parseSummary(JSON.stringify({ ...summary, groups: { readiness: 'FINE' } }))).toBeUndefined();
    expect(parseSummary(JSON.stringify({ ...summary, version: 'x'.repeat(MAX_SUMMARY_BYTES) }))).toBeUndefined();
  });

  it('keeps only a reason of what the details of a component say', () => {
    const summary = summarize(snapshotOf(failingExtensions), 'n2', 0);
    const text = JSON.stringify({
      ...summary,
      components: { c: { status: 'DOWN', details: { reason: 'why', password: 'hunter2' } } },
      extra: 1,
    });
    expect(parseSummary(text)).toEqual({ ...summary, components: { c: { status: 'DOWN', details: { reason: 'why' } } } });
  });
});
