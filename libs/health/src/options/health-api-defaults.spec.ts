import { describe, expect, it } from '@jest/globals';
import { createHealthConfig } from './health-config.js';
import { hasOwnPort } from './transport-options.js';

/** HiveMQ's Health API defaults (seed 004): off unless enabled; port 8889 on 127.0.0.1; a listener named after its port. */
describe('Health API defaults', () => {
  it('is off when not asked for', () => {
    expect(createHealthConfig({}).healthApi).toEqual({ enabled: false, listeners: [] });
  });

  it('listens on 127.0.0.1:8889 as http-listener-8889 with the HiveMQ view when only enabled', () => {
    const [listener, ...others] = createHealthConfig({ healthApi: { enabled: true } }).healthApi.listeners;
    expect(others).toEqual([]);
    expect({
      name: listener.name,
      port: listener.port,
      bindAddress: listener.bindAddress,
      views: listener.views.map((v) => v.view),
    }).toEqual({
      name: 'http-listener-8889',
      port: 8889,
      bindAddress: '127.0.0.1',
      views: ['hivemq'],
    });
  });

  it('names a listener after the port it is given', () => {
    const [listener] = createHealthConfig({ healthApi: { enabled: true, listeners: [{ port: 9090 }] } }).healthApi.listeners;
    expect({ name: listener.name, bindAddress: listener.bindAddress }).toEqual({ name: 'http-listener-9090', bindAddress: '127.0.0.1' });
  });
});

describe('a port of its own (start-up then waits for the app to listen)', () => {
  it('is a dedicated listener that is enabled, or the agent-check port', () => {
    expect(hasOwnPort(createHealthConfig({}))).toBe(false);
    expect(hasOwnPort(createHealthConfig({ healthApi: { enabled: false, listeners: [{ port: 0 }] } }))).toBe(false);
    expect(hasOwnPort(createHealthConfig({ healthApi: { enabled: true, listeners: [{ port: 0 }] } }))).toBe(true);
    expect(hasOwnPort(createHealthConfig({ agentCheck: { enabled: true, port: 0 } }))).toBe(true);
    expect(hasOwnPort(createHealthConfig({ agentCheck: { enabled: false } }))).toBe(false);
  });
});
