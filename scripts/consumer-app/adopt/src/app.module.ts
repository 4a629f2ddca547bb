import { Module } from '@nestjs/common';
import { HealthModule } from 'nestjs-mqtt-health';
import { AppController } from './app.controller';
import { AppService } from './app.service';
import { CacheClient } from './cache.client';
import { CacheHealth } from './cache.health';

/** In production the probes also get a port of their own; tests ask the app's server (/api/v1/health). */
const healthPort = process.env.HEALTH_PORT;

@Module({
  imports: [
    HealthModule.forRoot({
      ...(healthPort !== undefined && {
        healthApi: {
          enabled: true,
          listeners: [{ port: Number(healthPort), bindAddress: '127.0.0.1', views: ['hivemq', 'kubernetes', 'metrics'] }],
        },
      }),
    }),
  ],
  controllers: [AppController],
  providers: [AppService, CacheClient, CacheHealth],
})
export class AppModule {}
