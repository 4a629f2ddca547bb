import { Inject, Optional } from '@nestjs/common';
import { HealthIndicator } from '../../indicator/health-indicator.decorator.js';
import type { HealthComponentCheck } from '../../model/health-indicator.interface.js';
import type { HealthComponent } from '../../model/health-component.interface.js';
import { HealthStatus } from '../../model/health-status.js';
import {
  DEFAULT_CERT_EXPIRY_WARNING_MS,
  MQTT_BROKER_STATE,
  MQTT_CERT_EXPIRY_WARNING_MS,
  MQTT_LISTENERS,
} from '../mqtt-health.constants.js';
import type { BrokerState, MqttListenerSource, MqttListenerState, MqttListenerType } from '../mqtt-health.interfaces.js';

/** The reason of a listener the broker has not bound yet. */
const NOT_LISTENING_YET = 'not listening yet';

/** HiveMQ's component-name prefix and `type` detail for each kind of listener. */
const KINDS: Record<MqttListenerType, { prefix: string; type: string }> = {
  tcp: { prefix: 'tcp-listener', type: 'TCP Listener' },
  tls: { prefix: 'tls-tcp-listener', type: 'TCP Listener with TLS' },
  websocket: { prefix: 'websocket-listener', type: 'Websocket Listener' },
  'tls-websocket': { prefix: 'tls-websocket-listener', type: 'Websocket Listener with TLS' },
};

/** `tcp-listener-1883`, `tls-tcp-listener-8883`, `websocket-listener-8080`. */
export function listenerComponentName(listener: Pick<MqttListenerState, 'type' | 'port'>): string {
  return `${KINDS[listener.type].prefix}-${listener.port}`;
}

/**
 * One sub-component per MQTT listener. Not running → DOWN: one not bound yet (never seen running, no
 * failure) says so, with what the broker still waits for (`not listening yet: the broker is waiting for
 * storage: …`), since its check has run and judged it; a failed certificate
 * reload (the old certificate still serves) or a certificate close to expiry → DEGRADED; an expired one → DOWN.
 */
@HealthIndicator('mqtt', { groups: ['readiness'] })
export class MqttListenersHealthIndicator implements HealthComponentCheck {
  private readonly expiryWarningMs: number;
  /** Listeners seen running once: one that stops afterwards is DOWN, not starting. */
  private readonly ran = new Set<string>();

  constructor(
    @Inject(MQTT_LISTENERS) private readonly source: MqttListenerSource,
    @Optional() @Inject(MQTT_CERT_EXPIRY_WARNING_MS) expiryWarningMs?: number,
    @Optional() @Inject(MQTT_BROKER_STATE) private readonly broker?: BrokerState,
  ) {
    this.expiryWarningMs = expiryWarningMs ?? DEFAULT_CERT_EXPIRY_WARNING_MS;
  }

  check(): HealthComponent {
    const components: Record<string, HealthComponent> = {};
    for (const listener of this.source.listeners()) components[listenerComponentName(listener)] = this.listener(listener, Date.now());
    const all = Object.values(components);
    // Readiness must not pass with no MQTT port open.
    if (all.length === 0) return { status: HealthStatus.DOWN, details: { reason: 'no MQTT listener reported' } };
    const notYet = all.filter((c) => c.details?.reason !== undefined && String(c.details.reason).startsWith(NOT_LISTENING_YET));
    if (notYet.length === all.length) {
      const waiting = this.broker && this.broker.startedAt === undefined ? { 'waiting-for': 'broker' } : {};
      return { status: HealthStatus.DOWN, details: { reason: notYet[0].details!.reason, ...waiting }, components };
    }
    return { status: HealthStatus.UP, components };
  }

  private listener(l: MqttListenerState, now: number): HealthComponent {
    const name = listenerComponentName(l);
    if (l.running) this.ran.add(name);
    const details: Record<string, unknown> = {
      'bind-address': l.bindAddress,
      'is-proxy-protocol-supported': l.proxyProtocol ?? false,
      'is-running': l.running,
      port: l.port,
      type: KINDS[l.type].type,
    };
    if (l.lastFailure) details['last-failure'] = l.lastFailure;
    if (l.lastTlsFailure) details['last-tls-failure'] = l.lastTlsFailure;
    if (!l.running) {
      const notYet = !l.lastFailure && !this.ran.has(name) && !this.broker?.closed;
      if (!notYet) return { status: HealthStatus.DOWN, details };
      const waiting = this.broker?.waitingFor;
      return {
        status: HealthStatus.DOWN,
        details: { ...details, reason: waiting ? `${NOT_LISTENING_YET}: the broker is waiting for ${waiting}` : NOT_LISTENING_YET },
      };
    }
    if (l.certificateExpiresAt !== undefined) {
      const left = l.certificateExpiresAt - now;
      const when = new Date(l.certificateExpiresAt).toISOString();
      if (left <= 0) return { status: HealthStatus.DOWN, details: { ...details, reason: `certificate expired at ${when}` } };
      if (left < this.expiryWarningMs) {
        return {
          status: HealthStatus.DEGRADED,
          details: { ...details, reason: `certificate expires at ${when} (in ${Math.floor(left / 3600_000)} h)` },
        };
      }
    }
    if (l.lastTlsFailure) return { status: HealthStatus.DEGRADED, details };
    return { status: HealthStatus.UP, details };
  }
}
