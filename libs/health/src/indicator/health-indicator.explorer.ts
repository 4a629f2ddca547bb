import { Inject, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { HealthConfigError, HealthIndicatorDefinitionError } from '../errors/health.errors.js';
import {
  DUPLICATE_INDICATOR,
  HEALTH_MODULE_IMPORTED_TWICE,
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
    const providers = this.discovery.getProviders();
    // Each HealthModule import brings its own config: two would run two engines over the same indicators.
    const imports = providers.filter((wrapper) => wrapper.token === HEALTH_CONFIG).length;
    if (imports > 1) throw new HealthConfigError(HEALTH_MODULE_IMPORTED_TWICE(imports));
    const indicators = this.discover(providers);
    const groups = resolveGroups(indicators, this.config.groups);
    this.logger.log(`Health indicators: ${indicators.map((i) => i.name).join(', ') || 'none'}`);
    return { indicators, groups };
  }

  /**
   * Providers whose class is marked, and providers whose token is a marked class but whose value is
   * not an instance of it: a test's `overrideProvider(SomeHealth).useValue(fake)` or `.useClass(Fake)`
   * keeps the component, checked by the fake.
   */
  private discover(providers: InstanceWrapper[]): RegisteredIndicator[] {
    const byName = new Map<string, RegisteredIndicator>();
    const found = new Set(this.discovery.getProviders({ metadataKey: HEALTH_INDICATOR_MARKER.KEY }));
    for (const wrapper of providers) {
      // Own metadata only: an undecorated subclass of an indicator is no indicator.
      if (typeof wrapper.token === 'function' && Reflect.getOwnMetadata(HEALTH_INDICATOR_MARKER.KEY, wrapper.token)) found.add(wrapper);
    }
    for (const wrapper of found) {
      const metadata =
        (wrapper.instance || wrapper.metatype ? this.discovery.getMetadataByDecorator(HEALTH_INDICATOR_MARKER, wrapper) : undefined) ??
        (typeof wrapper.token === 'function'
          ? (Reflect.getOwnMetadata(HEALTH_INDICATOR_MARKER.KEY, wrapper.token) as HealthIndicatorMetadata | undefined)
          : undefined);
      if (!metadata) continue;
      const className = typeof wrapper.token === 'function' ? wrapper.token.name : (wrapper.metatype?.name ?? String(wrapper.token));
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
