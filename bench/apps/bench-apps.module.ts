import { Controller, Get, Module, type Type } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { HealthModule } from 'nestjs-mqtt-health';
import { InstantAHealthIndicator, InstantBHealthIndicator, SlowHealthIndicator } from './bench.health.js';
import { checkInstantDependency, checkSlowDependency } from './dependencies.js';

// Apps on a Nest HTTP server (Express). Every app answers GET /api/v1/health/readiness, so the route a
// request takes is the same on both sides.

/** Baseline of row (a): the cheapest answer a Nest controller can give. */
@Controller('api/v1/health')
class ConstantReadinessController {
  @Get('readiness')
  readiness() {
    return { status: 'UP' };
  }
}

@Module({ controllers: [ConstantReadinessController] })
class ConstantAppModule {}

/** Row (a): the module as a user would configure it, two instant indicators in readiness. */
@Module({
  imports: [HealthModule.forRoot({ refreshIntervalMs: 1000 })],
  providers: [InstantAHealthIndicator, InstantBHealthIndicator],
})
class ReadinessAppModule {}

/** Row (b): the three indicators behind the snapshot; the built-in resources indicator is off so both stacks run the same checks. */
@Module({
  imports: [HealthModule.forRoot({ refreshIntervalMs: 1000, resources: false })],
  providers: [InstantAHealthIndicator, InstantBHealthIndicator, SlowHealthIndicator],
})
class SnapshotAppModule {}

/** Row (b): the same three checks run by Terminus on every request. */
@Controller('api/v1/health')
class TerminusReadinessController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  @Get('readiness')
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.indicators.check('instant-a').up(checkInstantDependency()),
      () => this.indicators.check('instant-b').up(checkInstantDependency()),
      async () => this.indicators.check('slow').up(await checkSlowDependency()),
    ]);
  }
}

@Module({ imports: [TerminusModule.forRoot({ logger: false })], controllers: [TerminusReadinessController] })
class TerminusAppModule {}

export const BENCH_APPS: Readonly<Record<string, Type<unknown>>> = {
  constant: ConstantAppModule,
  readiness: ReadinessAppModule,
  snapshot: SnapshotAppModule,
  terminus: TerminusAppModule,
};
