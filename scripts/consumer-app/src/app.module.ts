import { Module } from '@nestjs/common';
import { HealthModule } from 'nestjs-mqtt-health';
import { CacheHealthIndicator } from './cache.health.js';

@Module({
  imports: [
    HealthModule.forRoot({
      healthApi: { enabled: true, listeners: [{ port: 0, bindAddress: '127.0.0.1', views: ['hivemq', 'kubernetes', 'metrics'] }] },
    }),
  ],
  providers: [CacheHealthIndicator],
})
export class AppModule {}
