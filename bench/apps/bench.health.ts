import { HealthIndicator, HealthStatus, type HealthComponentCheck } from 'nestjs-mqtt-health';
import { checkInstantDependency, checkSlowDependency } from './dependencies.js';

@HealthIndicator('instant-a', { groups: ['readiness'] })
export class InstantAHealthIndicator implements HealthComponentCheck {
  check() {
    return { status: HealthStatus.UP, details: checkInstantDependency() };
  }
}

@HealthIndicator('instant-b', { groups: ['readiness'] })
export class InstantBHealthIndicator implements HealthComponentCheck {
  check() {
    return { status: HealthStatus.UP, details: checkInstantDependency() };
  }
}

@HealthIndicator('slow', { groups: ['readiness'] })
export class SlowHealthIndicator implements HealthComponentCheck {
  async check() {
    return { status: HealthStatus.UP, details: await checkSlowDependency() };
  }
}
