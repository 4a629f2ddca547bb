import { Inject } from '@nestjs/common';
import { errorText } from '../../errors/error-text.js';
import { HealthIndicator } from '../../indicator/health-indicator.decorator.js';
import type { HealthComponentCheck } from '../../model/health-indicator.interface.js';
import type { HealthComponent } from '../../model/health-component.interface.js';
import { HealthStatus } from '../../model/health-status.js';
import { MQTT_STORAGE_PROBE } from '../mqtt-health.constants.js';
import type { StorageProbe } from '../mqtt-health.interfaces.js';

/** The error of a store not opened yet that does not say why. */
export const NOT_OPEN = 'storage not open yet';

/**
 * The broker's persistence, pinged on every refresh (DOWN until it first opens, with why it cannot). A network store (Redis) is a readiness
 * dependency; its failure text stays in details, which the visibility rules may hide.
 */
@HealthIndicator('storage', { groups: ['readiness'], timeoutMs: 1500 })
export class StorageHealthIndicator implements HealthComponentCheck {
  constructor(@Inject(MQTT_STORAGE_PROBE) private readonly storage: StorageProbe) {}

  async check(): Promise<HealthComponent> {
    const details = { type: this.storage.type, 'network-dependency': this.storage.type === 'redis' };
    // Not initialised: DOWN (FluxMQ's "storage not initialized"), with why it could not open yet where the store knows.
    if (this.storage.starting)
      return {
        status: HealthStatus.DOWN,
        details: { ...details, reason: 'storage unavailable', error: this.storage.openingFailure ?? NOT_OPEN },
      };
    try {
      await this.storage.ping();
      const warning = this.storage.warning;
      return warning ? { status: HealthStatus.DEGRADED, details: { ...details, reason: warning } } : { status: HealthStatus.UP, details };
    } catch (error) {
      return { status: HealthStatus.DOWN, details: { ...details, reason: 'storage unavailable', error: errorText(error) } };
    }
  }
}
