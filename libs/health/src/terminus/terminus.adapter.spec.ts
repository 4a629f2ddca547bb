import { describe, expect, it } from '@jest/globals';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { StatusOrder } from '../model/status-order.js';
import { checkWithTerminus, fromTerminusResult } from './terminus.adapter.js';

describe('fromTerminusResult', () => {
  it('turns a single key into that component, without empty details', () => {
    expect(fromTerminusResult({ redis: { status: 'up' } })).toStrictEqual({ status: 'UP' });
  });

  it('puts the extra fields of a single key into details', () => {
    expect(fromTerminusResult({ disk: { status: 'down', message: 'Used disk storage exceeded the set threshold' } })).toStrictEqual({
      status: 'DOWN',
      details: { message: 'Used disk storage exceeded the set threshold' },
    });
  });

  it('maps up, degraded and down, and anything else to UNKNOWN', () => {
    expect(fromTerminusResult({ a: { status: 'degraded' } }).status).toBe('DEGRADED');
    expect(fromTerminusResult({ a: { status: 'down' } }).status).toBe('DOWN');
    expect(fromTerminusResult({ a: { status: 'sideways' } } as unknown as HealthIndicatorResult).status).toBe('UNKNOWN');
  });

  it('turns several keys into sub-components of a parent that aggregates once resolved', () => {
    const component = fromTerminusResult({ heap: { status: 'up', used: 10 }, rss: { status: 'down' } });
    expect(component.components).toStrictEqual({ heap: { status: 'UP', details: { used: 10 } }, rss: { status: 'DOWN' } });
    expect(component.status).toBe('DOWN');
    expect(component.details).toBeUndefined();
    expect(new StatusOrder().resolve(component).status).toBe('DOWN');
  });
});

describe('checkWithTerminus', () => {
  it('converts the result of a passing check', async () => {
    await expect(checkWithTerminus(async () => ({ memory_heap: { status: 'up' } }))).resolves.toStrictEqual({ status: 'UP' });
  });

  it('converts the result a failing check carries in causes', async () => {
    const error = Object.assign(new Error('disk check failed'), {
      causes: { disk: { status: 'down', message: 'Used disk storage exceeded' } },
    });
    await expect(
      checkWithTerminus(async () => {
        throw error;
      }),
    ).resolves.toStrictEqual({ status: 'DOWN', details: { message: 'Used disk storage exceeded' } });
  });

  it('converts several keys in causes', async () => {
    const error = Object.assign(new Error('failed'), { causes: { a: { status: 'up' }, b: { status: 'down' } } });
    await expect(checkWithTerminus(() => Promise.reject(error))).resolves.toStrictEqual({
      status: 'DOWN',
      components: { a: { status: 'UP' }, b: { status: 'DOWN' } },
    });
  });

  it('rethrows any other error as is', async () => {
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    await expect(checkWithTerminus(() => Promise.reject(refused))).rejects.toBe(refused);
    const sync = new TypeError('not a function');
    await expect(
      checkWithTerminus(() => {
        throw sync;
      }),
    ).rejects.toBe(sync);
    const stringCauses = Object.assign(new Error('odd'), { causes: 'disk' });
    await expect(checkWithTerminus(() => Promise.reject(stringCauses))).rejects.toBe(stringCauses);
  });

  it('rethrows a thrown string as is', async () => {
    await expect(checkWithTerminus(() => Promise.reject('boom'))).rejects.toBe('boom');
  });

  it('rethrows a null or undefined rejection as is', async () => {
    await expect(checkWithTerminus(() => Promise.reject(null))).rejects.toBeNull();
    await expect(checkWithTerminus(() => Promise.reject(undefined))).rejects.toBeUndefined();
  });
});
