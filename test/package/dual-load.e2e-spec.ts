// The package ships an ES module build (libs/health/dist) for `import` and a CommonJS build
// (libs/health/cjs) for `require`, and still has one runtime per Nest whichever way it is loaded: its
// entries (libs/health/entry) hand every later load the build that was loaded first. So an app that
// loads it both ways (an ESM app with one CommonJS file) has one HealthModule, one HealthService token
// and one @HealthIndicator registry: no dual-package hazard. Runs real Node processes on the built
// package, which jest's globalSetup builds.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { tempDir } from '../support/processes.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const lib = join(ROOT, 'libs/health');
const manifest = JSON.parse(readFileSync(join(lib, 'package.json'), 'utf8')) as {
  type: string;
  main: string;
  types: string;
  exports: Record<string, { import: { types: string; default: string }; require: { types: string; default: string } }>;
};

/** An app folder outside the repository whose bare specifiers resolve to the repository's packages. */
let app: ReturnType<typeof tempDir>;

beforeAll(() => {
  app = tempDir('dual-load-');
  symlinkSync(join(ROOT, 'node_modules'), join(app.path, 'node_modules'), 'junction');
  writeFileSync(join(app.path, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
});

afterAll(() => app?.remove());

async function node(file: string, source: string): Promise<string> {
  writeFileSync(join(app.path, file), source);
  const { stdout } = await run(process.execPath, [file], { cwd: app.path, timeout: 20_000 });
  return stdout;
}

describe('nestjs-mqtt-health loaded by import and by require', () => {
  it('maps import to the ES module entry and require to the CommonJS build, each with its types', () => {
    expect(manifest.exports['.']).toEqual({
      import: { types: './dist/index.d.ts', default: './entry/index.mjs' },
      require: { types: './cjs/index.d.ts', default: './entry/index.cjs' },
    });
    // Resolvers that ignore `exports` (TypeScript's node10 resolution, old bundlers) get the CommonJS build.
    expect([manifest.main, manifest.types]).toEqual(['./entry/index.cjs', './cjs/index.d.ts']);
    expect(JSON.parse(readFileSync(join(lib, 'cjs/package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    expect(readFileSync(join(lib, 'cjs/index.js'), 'utf8')).toMatch(/require\("\.\/health\.module\.js"\)/);
    expect(readFileSync(join(lib, 'dist/index.js'), 'utf8')).toMatch(/from '\.\/health\.module\.js'/);
  });

  it.each([
    ['import first', 'const esm = await import(NAME); const cjs = require(NAME);', 'dist'],
    ['require first', 'const cjs = require(NAME); const esm = await import(NAME);', 'cjs'],
  ])('exports the same names, as the same objects, both ways (%s), from the build loaded first', async (_order, load, first) => {
    const out = await node(
      `names-${first}.mjs`,
      `import { createRequire } from 'node:module';
       const require = createRequire(import.meta.url);
       const NAME = 'nestjs-mqtt-health';
       ${load}
       const names = (m) => Object.keys(m).filter((k) => k !== '__esModule' && k !== 'default').sort();
       const different = names(cjs).filter((k) => cjs[k] !== esm[k]);
       const [dist, cjsBuild] = [await import(${JSON.stringify(join(lib, 'dist/index.js'))}), require(${JSON.stringify(join(lib, 'cjs/index.js'))})];
       const from = esm.HealthModule === dist.HealthModule ? 'dist' : esm.HealthModule === cjsBuild.HealthModule ? 'cjs' : 'neither';
       console.log(JSON.stringify({ cjs: names(cjs), esm: names(esm), different, from }));`,
    );
    const { cjs, esm, different, from } = JSON.parse(out) as { cjs: string[]; esm: string[]; different: string[]; from: string };
    const built = Object.keys(await import('../../libs/health/src/index.js')).sort();
    expect(cjs).toEqual(built);
    expect(esm).toEqual(built);
    expect(different).toEqual([]);
    expect(from).toBe(first);
  });

  it('finds an indicator declared through require in a module imported as ESM, and serves one HealthService', async () => {
    // The indicator file is CommonJS (`require`); the module and the bootstrap are ESM (`import`).
    writeFileSync(
      join(app.path, 'cache.health.cjs'),
      `const { Injectable } = require('@nestjs/common');
       const { HealthIndicator, HealthStatus } = require('nestjs-mqtt-health');
       class CacheHealth { check() { return { status: HealthStatus.DEGRADED, details: { reason: 'declared through require' } }; } }
       HealthIndicator('cache', { groups: ['readiness'] })(CacheHealth);
       Injectable()(CacheHealth);
       module.exports = { CacheHealth };`,
    );
    const out = await node(
      'boot.mjs',
      `import 'reflect-metadata';
       import { createRequire } from 'node:module';
       import { Module } from '@nestjs/common';
       import { NestFactory } from '@nestjs/core';
       import { HealthModule, HealthService } from 'nestjs-mqtt-health';
       const require = createRequire(import.meta.url);
       const { CacheHealth } = require('./cache.health.cjs');
       class AppModule {}
       Module({ imports: [HealthModule.forRoot({ refreshIntervalMs: 1000 })], providers: [CacheHealth] })(AppModule);
       const ctx = await NestFactory.createApplicationContext(AppModule, { logger: false });
       const health = ctx.get(require('nestjs-mqtt-health').HealthService);
       const snapshot = await health.refresh();
       console.log(JSON.stringify({
         same: health === ctx.get(HealthService),
         cache: snapshot.components.cache,
         readiness: snapshot.groups.readiness.status,
       }));
       await ctx.close();`,
    );
    const result = JSON.parse(out) as { same: boolean; cache: unknown; readiness: string };
    expect(result).toEqual({
      same: true,
      cache: { status: 'DEGRADED', details: { reason: 'declared through require' } },
      readiness: 'DEGRADED_SERVICE',
    });
  });

  it('keeps two installed versions apart: each is one runtime of its own', async () => {
    // Another package's nested copy of a different version, as npm installs it beside the app's own.
    const nested = join(app.path, 'other-lib/node_modules/nestjs-mqtt-health');
    mkdirSync(nested, { recursive: true });
    for (const folder of ['dist', 'cjs', 'entry']) cpSync(join(lib, folder), join(nested, folder), { recursive: true });
    writeFileSync(join(nested, 'package.json'), JSON.stringify({ ...manifest, version: '99.0.0' }));
    const out = await node(
      'versions.mjs',
      `import { createRequire } from 'node:module';
       const require = createRequire(import.meta.url);
       const ours = await import('nestjs-mqtt-health');
       const otherRequire = createRequire(new URL('./other-lib/index.js', import.meta.url));
       const theirs = otherRequire('nestjs-mqtt-health');
       const theirsImported = await import(otherRequire.resolve('nestjs-mqtt-health').replace(/index\\.cjs$/, 'index.mjs'));
       console.log(JSON.stringify({
         apart: ours.HealthModule !== theirs.HealthModule,
         theirsOne: theirs.HealthModule === theirsImported.HealthModule,
         oursOne: ours.HealthModule === require('nestjs-mqtt-health').HealthModule,
       }));`,
    );
    expect(JSON.parse(out)).toEqual({ apart: true, theirsOne: true, oursOne: true });
  });
});
