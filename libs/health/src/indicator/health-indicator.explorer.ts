import { Inject, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { HealthIndicatorDefinitionError } from '../errors/health.errors.js';
import {
  DUPLICATE_INDICATOR,
  INVALID_INDICATOR_NAME,
  INVALID_INDICATOR_OPTION,
  MISSING_CHECK_METHOD,
  REQUEST_SCOPED_INDICATOR,
} from '../errors/messages.js';
import { resolveGroups } from '../groups/resolve-groups.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import type { GroupInput } from '../model/health-group.interface.js';
import type { HealthComponentCheck, HealthIndicatorMetadata } from '../model/health-indicator.interface.js';
import type { RegisteredIndicator } from '../model/registered-indicator.interface.js';
import type { HealthConfig } from '../options/health-config.js';
import { refreshFitsStaleThreshold, staleThresholdMs } from '../options/stale-threshold.js';
import { HEALTH_INDICATOR_MARKER } from './health-indicator.decorator.js';

const NAME = /^[^/?#\s]+$/;

/**
 * Finds every @HealthIndicator and checks the contract; the engine asks once, at module init, when
 * every provider has its instance.
 */
@Injectable()
export class HealthIndicatorExplorer {
  private readonly logger = new Logger('Health');

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
  ) {}

  /** Every indicator, sorted by name, and each group with its members; throws HealthIndicatorDefinitionError. */
  explore(): { indicators: RegisteredIndicator[]; groups: GroupInput[] } {
    const indicators = this.discover();
    const groups = resolveGroups(indicators, this.config.groups);
    this.logger.log(`Health indicators: ${indicators.map((i) => i.name).join(', ') || 'none'}`);
    return { indicators, groups };
  }

  private discover(): RegisteredIndicator[] {
    const byName = new Map<string, RegisteredIndicator>();
    for (const wrapper of this.discovery.getProviders({ metadataKey: HEALTH_INDICATOR_MARKER.KEY })) {
      const metadata = this.discovery.getMetadataByDecorator(HEALTH_INDICATOR_MARKER, wrapper);
      if (!metadata) continue;
      const className = wrapper.metatype?.name ?? String(wrapper.token);
      if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient)
        throw new HealthIndicatorDefinitionError(REQUEST_SCOPED_INDICATOR(className));
      if (!wrapper.instance) continue;
      const indicator = this.toIndicator(wrapper, metadata, className);
      const existing = byName.get(indicator.name);
      if (existing) throw new HealthIndicatorDefinitionError(DUPLICATE_INDICATOR(indicator.name, existing.className, className));
      byName.set(indicator.name, indicator);
    }
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  private toIndicator(wrapper: InstanceWrapper, metadata: HealthIndicatorMetadata, className: string): RegisteredIndicator {
    const { name, groups = [], timeoutMs = this.config.timeoutMs, intervalMs = 0 } = metadata;
    if (typeof name !== 'string' || !NAME.test(name)) throw new HealthIndicatorDefinitionError(INVALID_INDICATOR_NAME(className, name));
    const instance = wrapper.instance as HealthComponentCheck;
    if (typeof instance.check !== 'function') throw new HealthIndicatorDefinitionError(MISSING_CHECK_METHOD(className, name));
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      throw new HealthIndicatorDefinitionError(
        INVALID_INDICATOR_OPTION(className, 'timeoutMs', 'must be a positive integer of milliseconds', timeoutMs),
      );
    }
    if (!Number.isInteger(intervalMs) || intervalMs < 0) {
      throw new HealthIndicatorDefinitionError(
        INVALID_INDICATOR_OPTION(className, 'intervalMs', 'must be a non-negative integer of milliseconds', intervalMs),
      );
    }
    if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string')) {
      throw new HealthIndicatorDefinitionError(INVALID_INDICATOR_OPTION(className, 'groups', 'must be an array of group names', groups));
    }
    if (!refreshFitsStaleThreshold(this.config, timeoutMs)) {
      const limit = `refreshIntervalMs (${this.config.refreshIntervalMs}) must stay below staleAfterMs (${staleThresholdMs(this.config, [timeoutMs])})`;
      const expected = `plus ${limit}, or every refresh could read as stale`;
      throw new HealthIndicatorDefinitionError(INVALID_INDICATOR_OPTION(className, 'timeoutMs', expected, timeoutMs));
    }
    return { name, className, instance, groups, timeoutMs, intervalMs };
  }
}
