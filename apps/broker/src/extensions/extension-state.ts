import type { ExtensionState } from 'nestjs-mqtt-health';
import type { LoadedExtension } from './loaded-extension.interface.js';

/** What the health indicator shows of one extension; a hook failure counts as failing for `failureWindowMs`. */
export function extensionState(e: LoadedExtension, failureWindowMs: number): ExtensionState {
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
    failing: e.lastFailureAt !== undefined && Date.now() - e.lastFailureAt < failureWindowMs,
    lastConfigurationFailure: e.lastConfigurationFailure,
    reloadedAt: e.reloadedAt,
    configuration: e.configuration,
  };
}
