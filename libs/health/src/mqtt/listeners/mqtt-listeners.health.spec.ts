import { describe, expect, it } from '@jest/globals';
import type { MqttListenerState } from '../mqtt-health.interfaces.js';
import { listenerComponentName, MqttListenersHealthIndicator } from './mqtt-listeners.health.js';

const DAY = 24 * 3600 * 1000;
const check = (listeners: MqttListenerState[], warningMs?: number) =>
  new MqttListenersHealthIndicator({ listeners: () => listeners }, warningMs).check();
const tls = (over: Partial<MqttListenerState> = {}): MqttListenerState => ({
  type: 'tls',
  bindAddress: '0.0.0.0',
  port: 8883,
  running: true,
  certificateExpiresAt: Date.now() + 90 * DAY,
  ...over,
});

describe('MqttListenersHealthIndicator', () => {
  it('names listeners as HiveMQ does', () => {
    expect(listenerComponentName({ type: 'tcp', port: 1883 })).toBe('tcp-listener-1883');
    expect(listenerComponentName({ type: 'tls', port: 8883 })).toBe('tls-tcp-listener-8883');
    expect(listenerComponentName({ type: 'websocket', port: 8080 })).toBe('websocket-listener-8080');
  });

  it('reports each listener with the HiveMQ details', () => {
    expect(check([{ type: 'tcp', bindAddress: '0.0.0.0', port: 1883, running: true }])).toEqual({
      status: 'UP',
      components: {
        'tcp-listener-1883': {
          status: 'UP',
          details: {
            'bind-address': '0.0.0.0',
            'is-proxy-protocol-supported': false,
            'is-running': true,
            port: 1883,
            type: 'TCP Listener',
          },
        },
      },
    });
  });

  it('is DOWN when the source reports no listener at all, so readiness cannot pass with no MQTT port open', () => {
    expect(check([])).toEqual({ status: 'DOWN', details: { reason: 'no MQTT listener reported' } });
  });

  it('is DOWN for a listener that is not running, with its last failure', () => {
    const component = check([tls({ running: false, lastFailure: 'Failed to bind to 0.0.0.0:8883: EADDRINUSE' })]).components![
      'tls-tcp-listener-8883'
    ];
    expect(component).toMatchObject({
      status: 'DOWN',
      details: { 'is-running': false, 'last-failure': 'Failed to bind to 0.0.0.0:8883: EADDRINUSE' },
    });
  });

  it('is DEGRADED after a failed reload, and near expiry; DOWN once expired', () => {
    expect(check([tls({ lastTlsFailure: 'bad PEM' })]).components!['tls-tcp-listener-8883']).toMatchObject({
      status: 'DEGRADED',
      details: { 'last-tls-failure': 'bad PEM' },
    });
    expect(check([tls({ certificateExpiresAt: Date.now() + DAY })]).components!['tls-tcp-listener-8883'].status).toBe('DEGRADED');
    expect(check([tls({ certificateExpiresAt: Date.now() + DAY })], DAY / 2).components!['tls-tcp-listener-8883'].status).toBe('UP');
    expect(check([tls({ certificateExpiresAt: Date.now() - 1 })]).components!['tls-tcp-listener-8883'].status).toBe('DOWN');
  });
});
