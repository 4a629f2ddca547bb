import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { HealthEngine } from '../engine/health-engine.js';
import type { RegisteredIndicator } from '../model/registered-indicator.interface.js';
import { HealthIndicatorDefinitionError } from '../errors/health.errors.js';
import {
  DUPLICATE_INDICATOR,
  GROUP_NAME_COLLISION,
  INVALID_INDICATOR_NAME,
  INVALID_INDICATOR_OPTION,
  MISSING_CHECK_METHOD,
  REQUEST_SCOPED_INDICATOR,
  UNKNOWN_GROUP_MEMBER,
  UNKNOWN_INDICATOR_GROUP,
} from '../errors/messages.js';
import type { GroupInput } from '../model/health-group.interface.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import type { HealthConfig } from '../options/health-config.js';
import { HEALTH_INDICATOR_MARKER } from './health-indicator.decorator.js';
import type { HealthComponentCheck, HealthIndicatorMetadata } from '../model/health-indicator.interface.js';

const NAME = /^[^/?#\s]+$/;

/** Finds every @HealthIndicator once at bootstrap, checks the contract and hands them to the engine. */
@Injectable()
export class HealthIndicatorExplorer implements OnModuleInit {
  private readonly logger = new Logger('Health');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly engine: HealthEngine,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
  ) {}

  onModuleInit(): void {
    const indicators = this.discover();
    this.engine.register(indicators, this.resolveGroups(indicators));
    this.logger.log(`Health indicators: ${indicators.map((i) => i.name).join(', ') || 'none'}`);
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
    const { staleAfterMs, staleAfterMsGiven, refreshIntervalMs } = this.config;
    if (staleAfterMsGiven && timeoutMs + refreshIntervalMs >= staleAfterMs) {
      throw new HealthIndicatorDefinitionError(
        INVALID_INDICATOR_OPTION(
          className,
          'timeoutMs',
          `plus refreshIntervalMs (${refreshIntervalMs}) must stay below staleAfterMs (${staleAfterMs}), or every refresh could read as stale`,
          timeoutMs,
        ),
      );
    }
    return { name, className, instance, groups, timeoutMs, intervalMs };
  }

  private resolveGroups(indicators: RegisteredIndicator[]): GroupInput[] {
    const names = indicators.map((i) => i.name);
    const declared = this.config.groups.map((g) => g.name);
    for (const indicator of indicators) {
      if (declared.includes(indicator.name))
        throw new HealthIndicatorDefinitionError(GROUP_NAME_COLLISION(indicator.name, indicator.className));
      for (const group of indicator.groups) {
        if (!declared.includes(group))
          throw new HealthIndicatorDefinitionError(UNKNOWN_INDICATOR_GROUP(indicator.className, group, declared));
      }
    }
    return this.config.groups.map((definition) => {
      for (const member of definition.members) {
        if (!names.includes(member.split('/')[0]))
          throw new HealthIndicatorDefinitionError(UNKNOWN_GROUP_MEMBER(definition.name, member, names));
      }
      const joined = indicators.filter((i) => i.groups.includes(definition.name)).map((i) => i.name);
      return { definition, members: [...new Set([...definition.members, ...joined])] };
    });
  }
}
