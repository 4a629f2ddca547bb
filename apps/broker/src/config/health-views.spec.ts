import { describe, expect, it } from '@jest/globals';
import { parseHealthViews, planHealthListeners, type HealthListenerPlan, type HealthViewEntry } from './health-views.js';

const entries = (raw: string) => parseHealthViews(raw) as HealthViewEntry[];

describe('parseHealthViews', () => {
  it('reads name, name@/prefix, name@:port and name@address:port', () => {
    expect(entries('hivemq,terminus@/t,zeebe@:9600,fluxmq@127.0.0.1:8081,actuator@localhost:9601')).toEqual([
      { view: 'hivemq', prefix: undefined, port: undefined, address: undefined },
      { view: 'terminus', prefix: '/t', port: undefined, address: undefined },
      { view: 'zeebe', prefix: undefined, port: 9600, address: undefined },
      { view: 'fluxmq', prefix: undefined, port: 8081, address: '127.0.0.1' },
      { view: 'actuator', prefix: undefined, port: 9601, address: 'localhost' },
    ]);
  });

  it('takes an IPv6 address in brackets as the bare address, and refuses brackets around anything else', () => {
    expect(entries('zeebe@[::1]:9600')).toEqual([{ view: 'zeebe', prefix: undefined, port: 9600, address: '::1' }]);
    expect(entries('zeebe@[::]:9600')[0].address).toBe('::');
    expect(parseHealthViews('zeebe@[127.0.0.1]:9600')).toMatch(/brackets go only around an IPv6 address/);
    // A bare IPv6 address cannot be told from its port.
    expect(parseHealthViews('zeebe@::1:9600')).toMatch(/not name, name@\/prefix, name@:port or name@address:port/);
  });

  it('refuses an address without a port, and a port out of range', () => {
    expect(parseHealthViews('zeebe@127.0.0.1')).toMatch(/is not name/);
    expect(parseHealthViews('zeebe@127.0.0.1:70000')).toBe('gives "zeebe" a port out of range (70000)');
  });

  it('keeps one of two identical entries, and both when only the address differs', () => {
    expect(entries('zeebe@:9600,zeebe@:9600')).toHaveLength(1);
    expect(entries('zeebe@127.0.0.1:9600,zeebe@:9600')).toHaveLength(2);
  });
});

describe('planHealthListeners', () => {
  it('puts the views without a port on HEALTH_BIND:HEALTH_PORT, first, and each other port on its own address', () => {
    expect(planHealthListeners(entries('zeebe@127.0.0.2:9600,hivemq,fluxmq@:9601'), 8889, '127.0.0.1')).toEqual([
      { port: 8889, address: '127.0.0.1', views: [expect.objectContaining({ view: 'hivemq' })] },
      { port: 9600, address: '127.0.0.2', views: [expect.objectContaining({ view: 'zeebe' })] },
      { port: 9601, address: '127.0.0.1', views: [expect.objectContaining({ view: 'fluxmq' })] },
    ]);
  });

  it('serves two views on one port and address from one listener, and leaves out HEALTH_PORT when no view is there', () => {
    expect(planHealthListeners(entries('zeebe@0.0.0.0:9600,actuator@0.0.0.0:9600'), 8889, '127.0.0.1')).toEqual([
      {
        port: 9600,
        address: '0.0.0.0',
        views: [expect.objectContaining({ view: 'zeebe' }), expect.objectContaining({ view: 'actuator' })],
      },
    ]);
  });

  it('serves a view given twice as one listener sees it once', () => {
    const [listener] = planHealthListeners(entries('zeebe@127.0.0.1:9600,zeebe@:9600'), 8889, '127.0.0.1') as HealthListenerPlan[];
    expect(listener.views).toHaveLength(1);
  });

  it('refuses one port given two addresses, HEALTH_PORT against HEALTH_BIND included', () => {
    expect(planHealthListeners(entries('zeebe@0.0.0.0:9600,actuator@:9600'), 8889, '127.0.0.1')).toBe(
      'gives port 9600 two addresses: 127.0.0.1 for "actuator" and 0.0.0.0; one port listens on one address',
    );
    expect(planHealthListeners(entries('hivemq,zeebe@0.0.0.0:8889'), 8889, '127.0.0.1')).toMatch(
      /gives port 8889 two addresses: 0.0.0.0 for "zeebe" and HEALTH_BIND \(127.0.0.1\), as port 8889 is HEALTH_PORT/,
    );
    expect(planHealthListeners(entries('hivemq,zeebe@127.0.0.1:8889'), 8889, '127.0.0.1')).toEqual([
      {
        port: 8889,
        address: '127.0.0.1',
        views: [expect.objectContaining({ view: 'hivemq' }), expect.objectContaining({ view: 'zeebe' })],
      },
    ]);
  });
});
