import { HealthIndicator, HealthStatus, type HealthComponent, type HealthComponentCheck } from 'nestjs-mqtt-health';

/** An app-defined component: the library must discover it and list it in the readiness group. */
@HealthIndicator('cache', { groups: ['readiness'] })
export class CacheHealthIndicator implements HealthComponentCheck {
  check(): HealthComponent {
    return { status: HealthStatus.UP, details: { entries: 0 } };
  }
}
