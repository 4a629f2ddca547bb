import { availableParallelism } from 'node:os';
import { Inject, Optional } from '@nestjs/common';
import { HealthIndicator } from '../../indicator/health-indicator.decorator.js';
import type { HealthComponentCheck } from '../../model/health-indicator.interface.js';
import type { HealthComponent } from '../../model/health-component.interface.js';
import { HealthStatus } from '../../model/health-status.js';
import { MQTT_BROKER_INFO } from '../mqtt-health.constants.js';
import type { BrokerInfo } from '../mqtt-health.interfaces.js';

const PROCESS_STARTED_AT = Date.now() - Math.round(process.uptime() * 1000);

/** HiveMQ's `info` component: version, CPU count, log level, start time. Always UP. */
@HealthIndicator('info')
export class InfoHealthIndicator implements HealthComponentCheck {
  constructor(@Optional() @Inject(MQTT_BROKER_INFO) private readonly info?: BrokerInfo) {}

  check(): HealthComponent {
    return {
      status: HealthStatus.UP,
      details: {
        'cpu-count': availableParallelism(),
        'log-level': this.info?.logLevel ?? 'INFO',
        'started-at': this.info?.startedAt ?? PROCESS_STARTED_AT,
        version: this.info?.version ?? 'unknown',
      },
    };
  }
}
