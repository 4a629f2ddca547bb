import { HealthIndicator, HealthStatus, type HealthComponent, type HealthComponentCheck } from 'nestjs-mqtt-health';
import { CacheClient } from './cache.client';

/** The health component `cache`, a member of the readiness group. */
@HealthIndicator('cache', { groups: ['readiness'], timeoutMs: 500 })
export class CacheHealth implements HealthComponentCheck {
  constructor(private readonly cache: CacheClient) {}

  async check(): Promise<HealthComponent> {
    await this.cache.ping(); // a throw becomes DOWN with the message as details.reason
    return { status: HealthStatus.UP, details: { entries: this.cache.size(), 'network-dependency': true } };
  }
}
