import type { Type } from '@nestjs/common';
import { HealthIndicator, HealthStatus, type HealthComponentCheck } from 'nestjs-mqtt-health';

/** Mirrors SETTINGS.treeSize in bench/lib/settings.js. */
export const TREE_SIZE = 50;

/** Calls per indicator of the tree, read by the bench over IPC. */
export const treeCalls: number[] = new Array<number>(TREE_SIZE).fill(0);

/**
 * With `alternate`, every indicator answers UP on odd calls and DEGRADED on even ones (both 200): a
 * scrape that mixed two refreshes would show both statuses, one snapshot shows only one.
 */
export const treeMode = { alternate: false };

function treeIndicator(index: number): Type<HealthComponentCheck> {
  const name = `tree-${String(index).padStart(2, '0')}`;
  class TreeHealthIndicator implements HealthComponentCheck {
    check() {
      const call = ++treeCalls[index];
      const status = treeMode.alternate && call % 2 === 0 ? HealthStatus.DEGRADED : HealthStatus.UP;
      return { status, details: { 'latency-ms': 0, call } };
    }
  }
  Object.defineProperty(TreeHealthIndicator, 'name', { value: `Tree${index}HealthIndicator` });
  HealthIndicator(name, { groups: ['readiness'] })(TreeHealthIndicator);
  return TreeHealthIndicator;
}

/** 50 components in readiness, each a provider of its own, as an app with many dependencies has. */
export const TREE_INDICATORS: Type<HealthComponentCheck>[] = Array.from({ length: TREE_SIZE }, (_, i) => treeIndicator(i));
