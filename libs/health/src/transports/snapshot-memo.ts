import type { HealthSnapshot } from '../model/health-snapshot.interface.js';
import type { ViewResponse } from '../views/view-response.js';

/**
 * Caches rendered answers per snapshot: a probe between two refreshes costs a map lookup.
 * Only answers for existing routes are cached, so random paths cannot grow the cache.
 */
export class SnapshotMemo {
  private readonly cache = new WeakMap<HealthSnapshot, Map<string, ViewResponse>>();

  get(snapshot: HealthSnapshot, key: string, render: () => ViewResponse | undefined): ViewResponse | undefined {
    let entries = this.cache.get(snapshot);
    if (!entries) {
      entries = new Map();
      this.cache.set(snapshot, entries);
    }
    let response = entries.get(key);
    if (!response) {
      response = render();
      if (response) entries.set(key, response);
    }
    return response;
  }
}
