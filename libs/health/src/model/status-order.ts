import type { HealthComponent } from './health-component.interface.js';
import { DEFAULT_STATUS_ORDER, HealthStatus } from './health-status.js';

/** Ranks statuses by a configured order (most severe first) and aggregates them. */
export class StatusOrder {
  private readonly rank: ReadonlyMap<HealthStatus, number>;

  constructor(readonly order: readonly HealthStatus[] = DEFAULT_STATUS_ORDER) {
    this.rank = new Map(order.map((status, index) => [status, index]));
  }

  /** The most severe of the statuses; UP for none (an empty group is healthy). */
  worst(statuses: Iterable<HealthStatus>): HealthStatus {
    let worst: HealthStatus | undefined;
    for (const status of statuses) {
      if (worst === undefined || this.rank.get(status)! < this.rank.get(worst)!) worst = status;
    }
    return worst ?? HealthStatus.UP;
  }

  /**
   * A copy of the tree in which each parent's status is the worst of its own result and its
   * children's resolved statuses.
   */
  resolve(component: HealthComponent): HealthComponent {
    if (!component.components) return component;
    const components: Record<string, HealthComponent> = {};
    const statuses: HealthStatus[] = [component.status];
    for (const [name, child] of Object.entries(component.components)) {
      const resolved = this.resolve(child);
      components[name] = resolved;
      statuses.push(resolved.status);
    }
    return { ...component, status: this.worst(statuses), components };
  }
}
