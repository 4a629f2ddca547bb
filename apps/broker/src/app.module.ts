import { Module } from '@nestjs/common';
import { HealthModule } from 'nestjs-mqtt-health';
import { UptimeHealthIndicator } from './uptime.health.js';

@Module({
  imports: [HealthModule.forRoot({ refreshIntervalMs: 1000 })],
  providers: [UptimeHealthIndicator],
})
export class AppModule {}
