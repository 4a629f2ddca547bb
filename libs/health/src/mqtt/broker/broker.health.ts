import { Inject } from '@nestjs/common';
import { HealthIndicator } from '../../indicator/health-indicator.decorator.js';
import type { HealthComponentCheck } from '../../model/health-indicator.interface.js';
import type { HealthComponent } from '../../model/health-component.interface.js';
import { STARTING_REASON } from '../../groups/verdicts.js';
import { HealthStatus } from '../../model/health-status.js';
import { MQTT_BROKER_STATE } from '../mqtt-health.constants.js';
import type { BrokerState } from '../mqtt-health.interfaces.js';

/**
 * The broker itself (FluxMQ's `broker` check): UNKNOWN "starting" until it has started, DOWN once it
 * is closed. Readiness is held while a member is still starting, so UNKNOWN never passes for ready.
 */
@HealthIndicator('broker', { groups: ['readiness'] })
export class BrokerHealthIndicator implements HealthComponentCheck {
  constructor(@Inject(MQTT_BROKER_STATE) private readonly broker: BrokerState) {}

  check(): HealthComponent {
    const { brokerId, nodeId, connectedClients, startedAt, closed } = this.broker;
    const details: Record<string, unknown> = {
      'broker-id': brokerId ?? null,
      'node-id': nodeId,
      'connected-clients': connectedClients,
      'uptime-ms': startedAt === undefined ? 0 : Date.now() - startedAt,
      'started-at': startedAt ?? null,
    };
    if (closed) return { status: HealthStatus.DOWN, details: { ...details, reason: 'broker closed' } };
    if (brokerId === undefined || startedAt === undefined)
      return { status: HealthStatus.UNKNOWN, details: { ...details, reason: STARTING_REASON } };
    return { status: HealthStatus.UP, details };
  }
}
