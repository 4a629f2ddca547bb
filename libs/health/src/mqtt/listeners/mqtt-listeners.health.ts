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
    const listeners = this.source.listeners();
    const components: Record<string, HealthComponent> = {};
    for (const listener of listeners) components[listenerComponentName(listener)] = this.listener(listener, Date.now());
    // Readiness must not pass with no MQTT port open.
    if (listeners.length === 0) return { status: HealthStatus.DOWN, details: { reason: 'no MQTT listener reported' } };
    if (listeners.every((l) => this.notYetBound(l))) {
      const waiting = this.broker && this.broker.startedAt === undefined ? { 'waiting-for': 'broker' } : {};
      return { status: HealthStatus.DOWN, details: { reason: this.notYetReason(), ...waiting }, components };
    }
    return { status: HealthStatus.UP, components };
  }

  /** Not running, never seen running, no failure, broker not closed: the broker has not bound it yet. */
  private notYetBound(l: MqttListenerState): boolean {
    return !l.running && !l.lastFailure && !this.ran.has(listenerComponentName(l)) && !this.broker?.closed;
  }

  private notYetReason(): string {
    const waiting = this.broker?.waitingFor;
    return waiting ? `${NOT_LISTENING_YET}: the broker is waiting for ${waiting}` : NOT_LISTENING_YET;
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
    if (!l.running)
      return { status: HealthStatus.DOWN, details: this.notYetBound(l) ? { ...details, reason: this.notYetReason() } : details };
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
