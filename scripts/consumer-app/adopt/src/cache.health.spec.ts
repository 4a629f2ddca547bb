import { HealthStatus } from 'nestjs-mqtt-health';
import { CacheClient } from './cache.client';
import { CacheHealth } from './cache.health';

describe('CacheHealth', () => {
  it('reads UP while the cache answers', async () => {
    await expect(new CacheHealth(new CacheClient()).check()).resolves.toMatchObject({ status: HealthStatus.UP });
  });

  it('throws what the cache throws', async () => {
    const cache = new CacheClient();
    cache.ping = () => Promise.reject(new Error('connection refused')); // what jest.spyOn or vi.spyOn would do
    await expect(new CacheHealth(cache).check()).rejects.toThrow('connection refused');
  });
});
