import type { ExtensionState } from 'nestjs-mqtt-health';
import type { LoadedExtension } from './loaded-extension.interface.js';

/**
 * What the health indicator shows of one extension. A hook failure keeps it DEGRADED until it has run clean:
 * `failureWindowMs` without a failure and, if it has hooks, at least one answered in time without throwing since
 * (so a hook that throws at every call stays DEGRADED however rare the calls). `now` is the clock, for tests.
 */
export function extensionState(e: LoadedExtension, failureWindowMs: number, now = Date.now()): ExtensionState {
  return {
    id: e.manifest.id,
    name: e.manifest.name,
    version: e.manifest.version,
    author: e.manifest.author,
    priority: e.manifest.priority,
    startPriority: e.manifest['start-priority'],
    enabled: e.manifest.enabled,
    started: e.instance !== undefined,
    startedAt: e.startedAt,
    lastStartupFailure: e.lastStartupFailure,
    lastFailure: e.lastFailure,
    lastFailureAt: e.lastFailureAt,
    failing: e.lastFailureAt !== undefined && (now - e.lastFailureAt < failureWindowMs || (hasHooks(e) && !e.answeredSinceFailure)),
    lastConfigurationFailure: e.lastConfigurationFailure,
    reloadedAt: e.reloadedAt,
    configuration: e.configuration,
  };
}

/** A running extension with no hooks fails only outside them (a rejection nobody handled): time alone clears that. */
function hasHooks(e: LoadedExtension): boolean {
  return e.instance?.authorizePublish !== undefined || e.instance?.authorizeSubscribe !== undefined;
}
