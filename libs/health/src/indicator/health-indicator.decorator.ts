import { applyDecorators, Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { HealthIndicatorMetadata, HealthIndicatorOptions } from '../model/health-indicator.interface.js';

/** The discovery marker; read by the explorer at bootstrap. */
export const HEALTH_INDICATOR_MARKER = DiscoveryService.createDecorator<HealthIndicatorMetadata>();

/**
 * Marks an injectable class with a `check()` method as the health component `name`.
 * The module finds it at bootstrap; nothing else needs registering.
 *
 * @example
 * ＠HealthIndicator('storage', { groups: ['readiness'], timeoutMs: 500 })
 * export class StorageHealthIndicator implements HealthComponentCheck { check() { ... } }
 */
export function HealthIndicator(name: string, options: HealthIndicatorOptions = {}): ClassDecorator {
  return applyDecorators(Injectable(), HEALTH_INDICATOR_MARKER({ ...options, name }));
}
