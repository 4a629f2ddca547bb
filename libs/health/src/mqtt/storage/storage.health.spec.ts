import { describe, expect, it } from '@jest/globals';
import { StorageHealthIndicator } from './storage.health.js';

describe('StorageHealthIndicator', () => {
  it('is UP when the ping succeeds, and says whether storage is a network dependency', async () => {
    expect(await new StorageHealthIndicator({ type: 'level', ping: async () => undefined }).check()).toEqual({
      status: 'UP',
      details: { type: 'level', 'network-dependency': false },
    });
  });

  it('is DOWN with a short reason and the raw error when the ping fails', async () => {
    const probe = { type: 'redis' as const, ping: () => Promise.reject(new Error('Connection is closed.')) };
    expect(await new StorageHealthIndicator(probe).check()).toEqual({
      status: 'DOWN',
      details: { type: 'redis', 'network-dependency': true, reason: 'storage unavailable', error: 'Connection is closed.' },
    });
  });

  it("is DEGRADED with the store's warning as the reason when the ping succeeds but the store has something to say", async () => {
    const probe = { type: 'redis' as const, ping: async () => undefined, warning: 'redis lost its data at 2026-01-01T00:00:00.000Z' };
    expect(await new StorageHealthIndicator(probe).check()).toEqual({
      status: 'DEGRADED',
      details: { type: 'redis', 'network-dependency': true, reason: 'redis lost its data at 2026-01-01T00:00:00.000Z' },
    });
  });

  it('is DOWN, not initialised, before the store first opens, with why it cannot open, without pinging it', async () => {
    const probe = { type: 'level' as const, starting: true, ping: () => Promise.reject(new Error('pinged')) };
    expect(await new StorageHealthIndicator(probe).check()).toEqual({
      status: 'DOWN',
      details: { type: 'level', 'network-dependency': false, reason: 'storage unavailable', error: 'storage not open yet' },
    });
    const refused = { ...probe, type: 'redis' as const, openingFailure: 'redis unreachable: connect ECONNREFUSED 127.0.0.1:6379' };
    expect(await new StorageHealthIndicator(refused).check()).toEqual({
      status: 'DOWN',
      details: { type: 'redis', 'network-dependency': true, reason: 'storage unavailable', error: refused.openingFailure },
    });
  });
});
