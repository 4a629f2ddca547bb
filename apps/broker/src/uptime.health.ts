import { HealthIndicator, HealthStatus, type HealthCheck, type HealthComponent } from 'nestjs-mqtt-health';

/** The smallest useful indicator: how long this process has served. */
@HealthIndicator('process', { groups: ['readiness'] })
export class UptimeHealthIndicator implements HealthCheck {
  check(): HealthComponent {
    return { status: HealthStatus.UP, details: { 'uptime-seconds': Math.round(process.uptime()), pid: process.pid } };
  }
}
