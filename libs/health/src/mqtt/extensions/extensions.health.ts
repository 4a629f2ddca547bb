import { Inject, Optional } from '@nestjs/common';
import { HealthIndicator } from '../../indicator/health-indicator.decorator.js';
import type { HealthComponentCheck } from '../../model/health-indicator.interface.js';
import type { HealthComponent } from '../../model/health-component.interface.js';
import { HealthStatus } from '../../model/health-status.js';
import { MQTT_EXTENSIONS } from '../mqtt-health.constants.js';
import type { ExtensionSource, ExtensionState } from '../mqtt-health.interfaces.js';

/**
 * One sub-component per extension, shaped like HiveMQ's: metadata in details (`enabled` true only while it
 * runs, so a DOWN or disabled one reads false, as in HiveMQ's example), `internals/entrypoint` (DOWN with
 * `last-startup-failure` when it could not start, DEGRADED with `last-failure` and `last-failure-at` when a
 * hook threw, UP again with both kept once the host says it no longer counts: `failing: false`),
 * `internals/license` where one applies, `application/configuration` (DEGRADED when a reload was rejected).
 * Not a readiness member: a broken extension makes /health DOWN, not the node unready.
 * Always present, as in HiveMQ's tree: UP with no sub-components when no extension is installed.
 */
@HealthIndicator('extensions')
export class ExtensionsHealthIndicator implements HealthComponentCheck {
  constructor(@Optional() @Inject(MQTT_EXTENSIONS) private readonly source?: ExtensionSource) {}

  check(): HealthComponent {
    const extensions = this.source?.extensions() ?? [];
    if (extensions.length === 0) return { status: HealthStatus.UP };
    const components: Record<string, HealthComponent> = {};
    for (const extension of extensions) components[extension.id] = extensionComponent(extension);
    return { status: HealthStatus.UP, components };
  }
}

export function extensionComponent(e: ExtensionState): HealthComponent {
  const details = {
    author: e.author,
    enabled: e.enabled && e.started,
    name: e.name,
    priority: e.priority,
    'start-priority': e.startPriority,
    startedAt: e.startedAt ?? null,
    version: e.version,
  };
  const entrypoint: HealthComponent = { status: HealthStatus.UP, details: { 'started-at': e.startedAt ?? null } };
  if (e.enabled && !e.started) {
    entrypoint.status = HealthStatus.DOWN;
    entrypoint.details!['last-startup-failure'] = e.lastStartupFailure ?? 'extension did not start';
  } else if (e.started && e.lastFailure) {
    if (e.failing !== false) entrypoint.status = HealthStatus.DEGRADED;
    entrypoint.details!['last-failure'] = e.lastFailure;
    if (e.lastFailureAt !== undefined) entrypoint.details!['last-failure-at'] = e.lastFailureAt;
  }
  entrypoint.details = alphabetical(entrypoint.details!);
  const internals: Record<string, HealthComponent> = { entrypoint };
  if (e.license) {
    const expired = e.license.isTrial && e.license.isTrialExpired;
    internals.license = {
      status: expired ? HealthStatus.DOWN : HealthStatus.UP,
      details: { 'is-enterprise': e.license.isEnterprise, 'is-trial': e.license.isTrial, 'is-trial-expired': e.license.isTrialExpired },
    };
  }
  internals.services = { status: HealthStatus.UP };
  const components: Record<string, HealthComponent> = {};
  if (e.started) {
    const configuration: HealthComponent = {
      status: e.lastConfigurationFailure ? HealthStatus.DEGRADED : HealthStatus.UP,
      details: { ...e.configuration, ...(e.reloadedAt !== undefined ? { 'reloaded-at': e.reloadedAt } : {}) },
    };
    if (e.lastConfigurationFailure) configuration.details!['last-failure'] = e.lastConfigurationFailure;
    configuration.details = alphabetical(configuration.details!);
    components.application = { status: HealthStatus.UP, components: { configuration } };
  }
  components.internals = { status: HealthStatus.UP, components: internals };
  return { status: HealthStatus.UP, details, components };
}

/** Keys in alphabetical order, as HiveMQ's examples print every details object. */
function alphabetical(details: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details).sort(([a], [b]) => (a < b ? -1 : 1)));
}
