// Consumer test (CI runs it as its own step: `npm run test:consumer`). Packs the library as npm would
// publish it and checks the tarball; then, for each app of scripts/consumer-app/matrix.mjs, outside the
// monorepo (so its node_modules cannot hide a missing dependency): writes the app the way `nest new`
// writes it (@nestjs/cli 11.0.24 and 12.0.15, see matrix.mjs), runs `npm install` as `nest new` does, adds
// what a user adopting the library writes, then runs what that user runs, unmodified: a plain
// `npm install <tarball>` (npm chooses the peers), `npm run build`, the `start:prod` command (readiness 200
// on the app's server and on the Health API listener, /metrics, a clean SIGTERM), `npm test` and
// `npm run test:e2e`. Prints the matrix; exits 1 on any failure. KEEP_CONSUMER_TMP=1 keeps the apps;
// CONSUMER_JOBS (default: one per core) is how many builds and test runs go at once (the installs all go at
// once); CONSUMER_APPS=a,b picks rows; CONSUMER_TARBALL=path installs that tarball instead of packing.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { generateApp } from './consumer-app/generate.mjs';
import { pack } from './consumer-app/pack.mjs';
import { check, freePort, get, killAll, limiter, plain, run, start, tail } from './consumer-app/processes.mjs';
import { APPS, GENERATORS } from './consumer-app/matrix.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const started = Date.now();
const notes = [];
/** Builds, boots and test runs take one of CONSUMER_JOBS slots (default: one per core); installs do not. */
const cpuBound = limiter(Number(process.env.CONSUMER_JOBS ?? availableParallelism()));

const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(0)}s`;
const log = (message) => console.log(`[consumer ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${message}`);
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const installed = (cwd, name) =>
  existsSync(join(cwd, 'node_modules', name, 'package.json'))
    ? readJson(join(cwd, 'node_modules', name, 'package.json')).version
    : undefined;

/** Runs the app's `start:prod` command (`node dist/main`), reads readiness, metrics, then stops it with SIGTERM. */
async function boot(cwd, row) {
  const [command, ...args] = readJson(join(cwd, 'package.json')).scripts['start:prod'].split(' ');
  check(command === 'node', `start:prod is not a node command`);
  const [port, healthPort] = [await freePort(), await freePort()];
  const app = start(process.execPath, args, cwd, { PORT: String(port), HEALTH_PORT: String(healthPort) });
  row.boot = 'FAIL';
  try {
    let last;
    for (const deadline = Date.now() + 20_000; ; await sleep(250)) {
      check((app.child.exitCode ?? app.child.signalCode) === null, `node ${args.join(' ')} exited:\n${tail(app.output)}`);
      last = await get(`http://127.0.0.1:${port}/api/v1/health/readiness`).catch((error) => ({ status: error.cause?.code ?? error.name }));
      if (typeof last.status === 'number' && row.boot !== 'ok') [row.boot, row.readiness] = ['ok', 'FAIL'];
      if (last.status === 200 && JSON.parse(last.text).components?.cache) break;
      check(
        Date.now() < deadline,
        `readiness never answered 200 with the 'cache' component; last: ${last.status} ${last.text ?? ''}\n${tail(app.output)}`,
      );
    }
    check(JSON.parse(last.text).status === 'UP', `readiness answered 200 ${last.text}`);
    for (const path of ['/api/v1/health/readiness', '/readyz']) {
      const answer = await get(`http://127.0.0.1:${healthPort}${path}`);
      check(answer.status === 200, `GET ${path} on the Health API listener answered ${answer.status} ${answer.text}`);
    }
    const metrics = await get(`http://127.0.0.1:${healthPort}/metrics`);
    check(/^mqtt_health_component_status\{[^}]*component="cache"/m.test(metrics.text), `GET /metrics lacks the "cache" component`);
    row.readiness = '200 UP';
  } finally {
    app.kill('SIGTERM');
    const timer = setTimeout(() => app.kill('SIGKILL'), 10_000);
    const code = await app.exited;
    clearTimeout(timer);
    if (row.readiness === '200 UP') {
      check(code === 0 || code === 'SIGTERM', `did not close within 10s of SIGTERM (${code}):\n${tail(app.output)}`);
      check(!/\bERROR\b/.test(plain(app.output)), `logged an error:\n${tail(app.output)}`);
    }
  }
}

/** Runs one of the app's own test scripts; every spec file named must have run, and everything passed. */
async function testScript(cwd, script, specs) {
  const { code, output } = await run('npm', script === 'test' ? ['test'] : ['run', script], { cwd, timeoutMs: 240_000 });
  const text = plain(output);
  const ran = specs.filter((spec) => new RegExp(`(PASS|✓) .*${spec.replace(/\./g, '\\.')}`).test(text));
  check(
    code === 0 && ran.length === specs.length,
    `npm run ${script} exited ${code}, ran ${ran.join(', ') || 'no spec'} of ${specs.join(', ')}:\n${tail(output, 80)}`,
  );
  const summary = /^\s*Tests:?\s+(\d+) passed/m.exec(text);
  return `ok ${summary?.[1] ?? '?'} tests`;
}

/** One app, step by step: a failed step is recorded and the next ones still run, unless they need it. */
async function consumer(app, tarball, tmp, row) {
  const since = Date.now();
  const cwd = join(tmp, app.name);
  const generator = GENERATORS[app.generator];
  const step = (column, label, body, { needed = false, cpu = true } = {}) => {
    const attempt = async () => {
      const [before, stepStarted] = [row[column], Date.now()];
      log(`${app.name}: ${label}`);
      row[column] = 'FAIL';
      try {
        row[column] = (await body()) ?? (before === '-' ? 'ok' : before);
        log(`${app.name}: ${label}: ${row[column]} (${seconds(stepStarted)})`);
      } catch (error) {
        log(`${app.name}: ${label}: FAIL (${seconds(stepStarted)})`);
        failures.push(`${app.name}: ${label}: ${error instanceof Error ? error.message : error}`);
        if (needed) throw Object.assign(error, { recorded: true });
      }
    };
    return cpu ? cpuBound(attempt) : attempt();
  };
  let adoptOutput = '';
  try {
    generateApp(app, cwd);
    await step(
      'install',
      `npm install (as nest new ${generator.cli} does), then npm install ${tarball.filename}`,
      async () => {
        const fresh = await run('npm', ['install', '--silent'], { cwd, timeoutMs: 600_000 });
        check(fresh.code === 0, `npm install of the generated app failed:\n${tail(fresh.output)}`);
        for (const [name, mirrored] of [
          ['@nestjs/cli', generator.cli],
          ['@nestjs/schematics', generator.schematics],
        ]) {
          const version = installed(cwd, name);
          if (version !== mirrored)
            notes.push(`${app.name}: installs ${name} ${version}; its templates mirror ${mirrored} (re-copy them?)`);
        }
        const adopt = await run('npm', ['install', tarball.path], { cwd, timeoutMs: 300_000 });
        check(adopt.code === 0, `npm install ${tarball.filename} failed:\n${tail(adopt.output)}`);
        const runner = app.esm
          ? `vitest ${installed(cwd, 'vitest')}`
          : `jest ${installed(cwd, 'jest')} ts-jest ${installed(cwd, 'ts-jest')}`;
        const terminus = installed(cwd, '@nestjs/terminus') ?? 'none';
        Object.assign(row, { nest: installed(cwd, '@nestjs/core'), typescript: installed(cwd, 'typescript'), runner, terminus });
        adoptOutput = adopt.output;
      },
      { needed: true, cpu: false }, // mostly waiting for the registry: every app installs at once
    );
    await step('install', 'peers chosen by npm', () => {
      const warnings = plain(adoptOutput)
        .split('\n')
        .filter((line) => /ERESOLVE|peer/i.test(line));
      check(warnings.length === 0, `npm install ${tarball.filename} warned about peers:\n${warnings.slice(0, 30).join('\n')}`);
      const nested = join(cwd, 'node_modules/nestjs-mqtt-health/node_modules/@nestjs');
      if (existsSync(nested)) throw new Error(`the library got its own copy of @nestjs packages: ${readdirSync(nested).join(', ')}`);
      const major = (version) => version.split('.')[0];
      check(
        row.terminus === 'none' || major(row.terminus) === major(row.nest),
        `npm pulled @nestjs/terminus ${row.terminus} into a Nest ${row.nest} app`,
      );
    });
    await step(
      'build',
      'npm run build',
      async () => {
        const build = await run('npm', ['run', 'build'], { cwd, timeoutMs: 180_000 });
        check(build.code === 0, `npm run build failed:\n${tail(build.output)}`);
        const emitted = readFileSync(join(cwd, 'dist/app.module.js'), 'utf8');
        check(/require\("nestjs-mqtt-health"\)/.test(emitted) === !app.esm, `dist/app.module.js is not ${app.modules} output`);
      },
      { needed: true },
    );
    await step('boot', 'npm run start:prod: readiness, /metrics, SIGTERM', () => boot(cwd, row).then(() => row.boot));
    await step('test', 'npm test', () => testScript(cwd, 'test', ['app.controller.spec.ts', 'cache.health.spec.ts']));
    await step('e2e', 'npm run test:e2e', () => testScript(cwd, 'test:e2e', ['app.e2e-spec.ts', 'health.e2e-spec.ts']));
  } catch (error) {
    if (!error.recorded) throw error;
  } finally {
    row.time = seconds(since);
    // Its node_modules (near 300 MB) goes while the other apps still run.
    if (process.env.KEEP_CONSUMER_TMP !== '1') await rm(cwd, { recursive: true, force: true });
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'nestjs-mqtt-health-consumer-'));
const cleanup = () => (process.env.KEEP_CONSUMER_TMP === '1' ? log(`kept ${tmp}`) : rmSync(tmp, { recursive: true, force: true }));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAll();
    cleanup();
    process.exit(1);
  });
}

const picked = process.env.CONSUMER_APPS?.split(',');
const apps = APPS.filter((app) => !picked || picked.includes(app.name));
const columns = 'app nest modules typescript runner terminus install build boot readiness test e2e time'.split(' ');
const headers = { test: 'npm test', e2e: 'test:e2e' };
const rows = apps.map((app) => ({ ...Object.fromEntries(columns.map((column) => [column, '-'])), app: app.name, modules: app.modules }));
const failures = [];
let tarball;
try {
  const given = process.env.CONSUMER_TARBALL; // a tarball packed earlier (another revision), instead of packing
  if (!given) log('npm pack --workspace libs/health (prepack builds the library)');
  tarball = given ? { path: resolve(given), filename: basename(given) } : await pack(ROOT, join(tmp, 'pack'));
  await Promise.all(
    apps.map((app, index) =>
      consumer(app, tarball, tmp, rows[index]).catch((error) =>
        failures.push(`${app.name}: ${error instanceof Error ? error.message : error}`),
      ),
    ),
  );
} catch (error) {
  failures.push(error instanceof Error ? error.message : String(error));
} finally {
  cleanup();
}

const cells = (row) => columns.map((column) => String(row[column] ?? headers[column] ?? column));
const widths = columns.map((_, index) => Math.max(...[cells({}), ...rows.map(cells)].map((line) => line[index].length)));
const line = (values) => values.map((value, index) => value.padEnd(widths[index])).join('  ');
console.log(`\n${line(cells({}))}\n${line(widths.map((width) => '-'.repeat(width)))}`);
for (const row of rows) console.log(line(cells(row)));
if (tarball?.entryCount)
  console.log(`\n${tarball.filename}: ${tarball.entryCount} files, ${tarball.size} B packed, ${tarball.unpackedSize} B unpacked`);
for (const note of notes) console.log(`note: ${note}`);
for (const failure of failures) console.error(`\nFAILED ${failure}`);
log(failures.length === 0 ? `all ${rows.length} consumers passed` : `${failures.length} failure(s)`);
process.exitCode = failures.length === 0 ? 0 : 1;
