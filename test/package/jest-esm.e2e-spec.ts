// A Nest 12 app is ESM, and some test it with Jest in its ESM mode rather than the Vitest `nest new`
// generates. Jest's ESM mode cannot `require()` an ES module, and Nest 12 is ES modules only, so such
// an app must reach the package's ES module build through `import`. This runs a child Jest, in ESM
// mode, over a spec in a folder outside the repository that imports the built package (not the
// sources the repository's own tests map it to) and tests an app the way a generated e2e test does.
import { execFile } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { tempDir } from '../support/processes.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let app: ReturnType<typeof tempDir>;

beforeAll(() => {
  app = tempDir('jest-esm-');
  symlinkSync(join(ROOT, 'node_modules'), join(app.path, 'node_modules'), 'junction');
  writeFileSync(join(app.path, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  writeFileSync(
    join(app.path, 'jest.config.js'),
    `export default { testEnvironment: 'node', testMatch: ['**/*.e2e-spec.mjs'], transform: {} };\n`,
  );
  // Plain JavaScript, so no compiler stands between Jest and the package: decorators applied by hand.
  writeFileSync(
    join(app.path, 'app.e2e-spec.mjs'),
    `import 'reflect-metadata';
     import { afterAll, beforeAll, expect, it } from '@jest/globals';
     import { Injectable, Module } from '@nestjs/common';
     import { Test } from '@nestjs/testing';
     import request from 'supertest';
     import { HealthIndicator, HealthModule, HealthService, HealthStatus } from 'nestjs-mqtt-health';

     class Cache { up = true; }
     Injectable()(Cache);
     class CacheHealth {
       constructor(cache) { this.cache = cache; }
       check() {
         if (!this.cache.up) throw new Error('cache unreachable');
         return { status: HealthStatus.UP };
       }
     }
     Reflect.defineMetadata('design:paramtypes', [Cache], CacheHealth);
     HealthIndicator('cache', { groups: ['readiness'] })(CacheHealth);
     class AppModule {}
     Module({ imports: [HealthModule.forRoot({ drainMs: 5000 })], providers: [Cache, CacheHealth] })(AppModule);

     let nest;
     beforeAll(async () => {
       const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
       nest = moduleRef.createNestApplication({ logger: false });
       await nest.init();
     });
     afterAll(() => nest?.close());

     it('answers readiness 200 after init() and 503 once the cache fails', async () => {
       const up = await request(nest.getHttpServer()).get('/api/v1/health/readiness');
       expect([up.status, up.body.status, up.body.components.cache.status]).toEqual([200, 'UP', 'UP']);
       nest.get(Cache).up = false;
       await nest.get(HealthService).refresh();
       const down = await request(nest.getHttpServer()).get('/api/v1/health/readiness');
       expect([down.status, down.body.status, down.body.components.cache.details.reason]).toEqual([503, 'OUT_OF_SERVICE', 'cache unreachable']);
     });
`,
  );
});

afterAll(() => app?.remove());

describe('an ESM Nest 12 app tested with Jest in ESM mode', () => {
  it('loads the package through import and passes its e2e spec', async () => {
    const jest = join(ROOT, 'node_modules/jest/bin/jest.js');
    const result = await run(process.execPath, [jest, '--ci', '--json'], {
      cwd: app.path,
      env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules' },
      timeout: 60_000,
    }).catch((error: { stdout: string; stderr: string }) => error);
    const report = JSON.parse(result.stdout) as { numPassedTests: number; numFailedTests: number; numTotalTestSuites: number };
    expect({ ...report, stderr: report.numFailedTests ? result.stderr : '' }).toMatchObject({
      numPassedTests: 1,
      numFailedTests: 0,
      numTotalTestSuites: 1,
      stderr: '',
    });
  }, 90_000);
});
