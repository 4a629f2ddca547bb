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

  it('is DOWN "not listening yet" for a listener not bound yet, and DOWN without that reason for one that stopped after running', () => {
    const indicator = new MqttListenersHealthIndicator({ listeners: () => current });
    let current: MqttListenerState[] = [{ type: 'tcp', bindAddress: '0.0.0.0', port: 1883, running: false }];
    expect(indicator.check()).toEqual({
      status: 'DOWN',
      details: { reason: 'not listening yet' },
      components: {
        'tcp-listener-1883': {
          status: 'DOWN',
          details: {
            'bind-address': '0.0.0.0',
            'is-proxy-protocol-supported': false,
            'is-running': false,
            port: 1883,
            type: 'TCP Listener',
            reason: 'not listening yet',
          },
        },
      },
    });
    current = [{ ...current[0], running: true }];
    expect(indicator.check().components!['tcp-listener-1883'].status).toBe('UP');
    current = [{ ...current[0], running: false }];
    expect(indicator.check()).toMatchObject({ status: 'UP', components: { 'tcp-listener-1883': { status: 'DOWN' } } });
    expect(indicator.check().components!['tcp-listener-1883'].details).not.toHaveProperty('reason');
  });

  it('names what the broker still waits for while its listeners are not bound', () => {
    const idle = { listeners: () => [{ type: 'tcp' as const, bindAddress: '0.0.0.0', port: 1883, running: false }] };
    const broker = {
      brokerId: undefined,
      nodeId: 'n',
      connectedClients: 0,
      startedAt: undefined,
      closed: false,
      waitingFor: 'storage: redis unreachable: connect ECONNREFUSED 127.0.0.1:6379',
    };
    expect(new MqttListenersHealthIndicator(idle, undefined, broker).check()).toMatchObject({
      status: 'DOWN',
      details: { reason: 'not listening yet: the broker is waiting for storage: redis unreachable: connect ECONNREFUSED 127.0.0.1:6379' },
    });
  });

  it('is DOWN, not starting, with a failure or once the broker is closed', () => {
    const idle = { listeners: () => [{ type: 'tcp' as const, bindAddress: '0.0.0.0', port: 1883, running: false }] };
    const broker = { brokerId: 'b', nodeId: 'n', connectedClients: 0, startedAt: undefined as number | undefined, closed: false };
    const indicator = new MqttListenersHealthIndicator(idle, undefined, broker);
    // The broker has not started: the listeners wait for it, which makes the broker their root cause.
    expect(indicator.check().details).toEqual({ reason: 'not listening yet', 'waiting-for': 'broker' });
    broker.startedAt = Date.now();
    // Started, never seen running, no failure: still binding.
    expect(indicator.check().details).toEqual({ reason: 'not listening yet' });
    broker.closed = true;
    expect(indicator.check().components!['tcp-listener-1883']).toMatchObject({ status: 'DOWN', details: { 'is-running': false } });
    expect(indicator.check().components!['tcp-listener-1883'].details).not.toHaveProperty('reason');
    const failed = new MqttListenersHealthIndicator({
      listeners: () => [{ type: 'tcp', bindAddress: '0.0.0.0', port: 1883, running: false, lastFailure: 'EADDRINUSE' }],
    });
    expect(failed.check().components!['tcp-listener-1883']).toMatchObject({ status: 'DOWN', details: { 'last-failure': 'EADDRINUSE' } });
  });
});
