import { describe, expect, it } from '@jest/globals';
import type { BrokerState } from '../mqtt-health.interfaces.js';
import { BrokerHealthIndicator } from './broker.health.js';

const state = (over: Partial<BrokerState> = {}): BrokerState => ({
  brokerId: 'b1',
  nodeId: 'n1',
  connectedClients: 2,
  startedAt: Date.now() - 1000,
  closed: false,
  ...over,
});

describe('BrokerHealthIndicator', () => {
  it('is UP with the broker details', () => {
    const component = new BrokerHealthIndicator(state()).check();
    expect(component.status).toBe('UP');
    expect(component.details).toEqual({
      'broker-id': 'b1',
      'node-id': 'n1',
      'connected-clients': 2,
      'uptime-ms': expect.any(Number),
      'started-at': expect.any(Number),
    });
    expect(component.details!['uptime-ms']).toBeGreaterThanOrEqual(1000);
  });

  it('is UNKNOWN "starting" before it has started, and DOWN once closed', () => {
    expect(new BrokerHealthIndicator(state({ brokerId: undefined, startedAt: undefined })).check()).toMatchObject({
      status: 'UNKNOWN',
      details: { reason: 'starting', 'broker-id': null, 'started-at': null, 'uptime-ms': 0 },
    });
    expect(new BrokerHealthIndicator(state({ startedAt: undefined })).check()).toMatchObject({
      status: 'UNKNOWN',
      details: { reason: 'starting' },
    });
    expect(new BrokerHealthIndicator(state({ closed: true })).check()).toMatchObject({
      status: 'DOWN',
      details: { reason: 'broker closed' },
    });
  });
});
