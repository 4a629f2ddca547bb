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

  it('is DOWN before it has started, saying what it waits for, and DOWN once closed', () => {
    expect(new BrokerHealthIndicator(state({ brokerId: undefined, startedAt: undefined })).check()).toMatchObject({
      status: 'DOWN',
      details: { reason: 'broker not started yet', 'broker-id': null, 'started-at': null, 'uptime-ms': 0 },
    });
    const waiting = state({ brokerId: undefined, startedAt: undefined, waitingFor: 'storage: redis unreachable: connect ECONNREFUSED' });
    expect(new BrokerHealthIndicator(waiting).check()).toMatchObject({
      status: 'DOWN',
      details: { reason: 'waiting for storage: redis unreachable: connect ECONNREFUSED' },
    });
    expect(new BrokerHealthIndicator(state({ closed: true })).check()).toMatchObject({
      status: 'DOWN',
      details: { reason: 'broker closed' },
    });
  });

  it('gives the sessions this node holds where the broker counts them', () => {
    expect(new BrokerHealthIndicator(state({ sessions: 4 })).check().details).toMatchObject({ sessions: 4 });
    expect(new BrokerHealthIndicator(state()).check().details).not.toHaveProperty('sessions');
  });
});
