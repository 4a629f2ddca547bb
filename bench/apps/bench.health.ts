import { HealthIndicator, HealthStatus, type HealthCheck } from 'nestjs-mqtt-health';
import { checkInstantDependency, checkSlowDependency } from './dependencies.js';

@HealthIndicator('instant-a', { groups: ['readiness'] })
export class InstantAHealthIndicator implements HealthCheck {
  check() {
    return { status: HealthStatus.UP, details: checkInstantDependency() };
  }
}

@HealthIndicator('instant-b', { groups: ['readiness'] })
export class InstantBHealthIndicator implements HealthCheck {
  check() {
    return { status: HealthStatus.UP, details: checkInstantDependency() };
  }
}

@HealthIndicator('slow', { groups: ['readiness'] })
export class SlowHealthIndicator implements HealthCheck {
  async check() {
    return { status: HealthStatus.UP, details: await checkSlowDependency() };
  }
}
