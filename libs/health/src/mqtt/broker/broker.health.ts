import { Inject } from '@nestjs/common';
import { HealthIndicator } from '../../indicator/health-indicator.decorator.js';
import type { HealthComponentCheck } from '../../model/health-indicator.interface.js';
import type { HealthComponent } from '../../model/health-component.interface.js';
import { HealthStatus } from '../../model/health-status.js';
import { MQTT_BROKER_STATE } from '../mqtt-health.constants.js';
import type { BrokerState } from '../mqtt-health.interfaces.js';

/**
 * The broker itself (FluxMQ's `broker` check): DOWN until it has started, with what it waits for
 * (`waiting for storage: redis unreachable: …`), and DOWN once it is closed.
 */
@HealthIndicator('broker', { groups: ['readiness'] })
export class BrokerHealthIndicator implements HealthComponentCheck {
  constructor(@Inject(MQTT_BROKER_STATE) private readonly broker: BrokerState) {}

  check(): HealthComponent {
    const { brokerId, nodeId, connectedClients, startedAt, closed, waitingFor, sessions } = this.broker;
    const details: Record<string, unknown> = {
      'broker-id': brokerId ?? null,
      'node-id': nodeId,
      'connected-clients': connectedClients,
      ...(sessions === undefined ? {} : { sessions }),
      'uptime-ms': startedAt === undefined ? 0 : Math.max(0, Date.now() - startedAt),
      'started-at': startedAt ?? null,
    };
    if (closed) return { status: HealthStatus.DOWN, details: { ...details, reason: 'broker closed' } };
    // Not initialised: DOWN with what it waits for (its storage, say), never UP and not merely UNKNOWN.
    if (brokerId === undefined || startedAt === undefined)
      return {
        status: HealthStatus.DOWN,
        details: {
          ...details,
          reason: waitingFor ? `waiting for ${waitingFor}` : 'broker not started yet',
          // `storage: redis unreachable …` → the member it waits for, so the root cause is storage, not the broker.
          ...(waitingFor ? { 'waiting-for': /^[\w-]+/.exec(waitingFor)?.[0] } : {}),
        },
      };
    return { status: HealthStatus.UP, details };
  }
}
