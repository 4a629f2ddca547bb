import { Module } from '@nestjs/common';
import { HealthModule } from 'nestjs-mqtt-health';
import { AppController } from './app.controller';
import { AppService } from './app.service';
import { CacheClient } from './cache.client';
import { CacheHealth } from './cache.health';

@Module({
  imports: [
    HealthModule.forRoot({
      // Probes on a port of their own as well as on the app's server (/api/v1/health); port 0 picks a free one.
      healthApi: {
        enabled: true,
        listeners: [{ port: Number(process.env.HEALTH_PORT ?? 0), bindAddress: '127.0.0.1', views: ['hivemq', 'kubernetes', 'metrics'] }],
      },
    }),
  ],
  controllers: [AppController],
  providers: [AppService, CacheClient, CacheHealth],
})
export class AppModule {}
