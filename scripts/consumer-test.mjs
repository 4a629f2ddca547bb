// Consumer test (CI runs it as its own step: `npm run test:consumer`). Packs the library as npm would
// publish it, checks the tarball, then installs it with a plain `npm install` from the registry into
// fresh Nest apps outside the monorepo (so its node_modules cannot hide a missing dependency), builds
// them with tsc, boots them and probes the Health API. Exits 1 on any failure. KEEP_CONSUMER_TMP=1
// keeps the temporary directory for inspection.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APPS } from './consumer-app/matrix.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TEMPLATE = fileURLToPath(new URL('consumer-app/src', import.meta.url));
const started = Date.now();
const children = new Set();

/** npm config from an enclosing `npm run` (workspace, prefix...) must not steer the child npm. */
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) =>
      !/^npm_(package|lifecycle)_/i.test(key) && !/^npm_config_(local_prefix|prefix|workspaces?|include_workspace_root)$/i.test(key),
  ),
);

function log(message) {
  console.log(`[consumer ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${message}`);
}

/** Spawns a child that Ctrl-C kills too; `exited` resolves to its exit code (or signal). */
function start(command, args, cwd, stdin = 'ignore') {
  const child = spawn(command, args, { cwd, env, stdio: [stdin, 'pipe', 'pipe'] });
  children.add(child);
  child.stdin?.on('error', () => {}); // EPIPE when it already exited
  const proc = { child, output: '' };
  child.stdout.on('data', (chunk) => (proc.output += chunk));
  child.stderr.on('data', (chunk) => (proc.output += chunk));
  proc.exited = new Promise((resolve) => {
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve(code ?? signal);
    });
  });
  return proc;
}

/** Runs a command to completion within timeoutMs; resolves { code, output } (stdout and stderr). */
async function run(command, args, { cwd, timeoutMs }) {
  const proc = start(command, args, cwd);
  const timer = setTimeout(() => {
    proc.output += `\n[timed out after ${timeoutMs / 1000}s]`;
    proc.child.kill('SIGKILL');
  }, timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, output: proc.output };
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function pack(destination) {
  log('npm pack --workspace libs/health (prepack builds the library)');
  mkdirSync(destination);
  const { code, output } = await run('npm', ['pack', '--workspace', 'libs/health', '--pack-destination', destination, '--json'], {
    cwd: ROOT,
    timeoutMs: 180_000,
  });
  const json = output.slice(output.search(/^\[/m));
  check(code === 0 && json.startsWith('['), `npm pack failed (exit ${code}):\n${output}`);
  const [tarball] = JSON.parse(json.slice(0, json.lastIndexOf(']') + 1));
  const paths = tarball.files.map((file) => file.path);
  console.log(`\n${tarball.filename}: ${tarball.entryCount} files, ${tarball.size} B packed, ${tarball.unpackedSize} B unpacked`);
  for (const file of tarball.files) console.log(`  ${String(file.size).padStart(7)}  ${file.path}`);
  const forbidden = paths.filter((path) => /\.tsbuildinfo$|\.map$|\.spec\.|-test-kit/.test(path));
  check(forbidden.length === 0, `the tarball ships build caches, source maps, specs or test kits:\n  ${forbidden.join('\n  ')}`);
  const missing = ['README.md', 'LICENSE', 'package.json', 'dist/index.js', 'dist/index.d.ts'].filter((path) => !paths.includes(path));
  check(missing.length === 0, `the tarball lacks ${missing.join(', ')}`);
  return join(destination, tarball.filename);
}

/** Starts the built app and waits (20s at most) for its READY line. */
async function boot(cwd, main) {
  const app = start(process.execPath, [main], cwd, 'pipe');
  for (const deadline = Date.now() + 20_000; ; await sleep(100)) {
    const ready = /^READY (.*)\n/m.exec(app.output);
    if (ready) return Object.assign(app, { info: JSON.parse(ready[1]) });
    const exited = app.child.exitCode ?? app.child.signalCode;
    if (exited !== null || Date.now() > deadline) {
      app.child.kill('SIGKILL');
      throw new Error(`${exited === null ? 'no READY within 20s' : `exited ${exited} before READY`}:\n${app.output}`);
    }
  }
}

async function get(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, text: await response.text() };
}

async function readiness(url) {
  let last;
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(250)) {
    last = await get(url);
    const body = last.status === 200 ? JSON.parse(last.text) : {};
    if (body.status === 'UP' && body.components?.cache) return;
  }
  throw new Error(`GET ${url} never answered 200 {status:'UP'} with the custom 'cache' component; last: ${last?.status} ${last?.text}`);
}

/** Builds one tsconfig variant of an installed app, boots it and probes it, filling in its row. */
async function exercise(app, variant, row) {
  const cwd = join(row.tmp, app.dir);
  const outDir = `dist-${variant.name}`;
  const tsconfig = `tsconfig.${variant.name}.json`;
  writeFileSync(join(cwd, tsconfig), JSON.stringify({ compilerOptions: { ...variant.options, outDir }, include: ['src'] }, null, 2));
  const tsc = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', tsconfig], { cwd, timeoutMs: 120_000 });
  check(tsc.code === 0, `tsc -p ${tsconfig} failed:\n${tsc.output}`);
  const main = join(outDir, 'main.js');
  const emitted = readFileSync(join(cwd, main), 'utf8');
  check(/require\("nestjs-mqtt-health"\)/.test(emitted) === !app.type, `${main} is not ${variant.module} output`);
  row.build = 'ok';
  const proc = await boot(cwd, main);
  const { info } = proc;
  try {
    const [listener] = info.listeners;
    check(listener?.port > 0, `HealthService.listeners() gave no bound port: ${JSON.stringify(info.listeners)}`);
    row.boot = 'ok';
    const base = `http://127.0.0.1:${listener.port}`;
    await readiness(`${base}/api/v1/health/readiness`);
    await readiness(`http://127.0.0.1:${info.host}/api/v1/health/readiness`); // the HealthController in the host app
    const readyz = await get(`${base}/readyz`);
    check(readyz.status === 200, `GET /readyz answered ${readyz.status} ${readyz.text}`);
    row.readiness = '200 UP';
    const metrics = await get(`${base}/metrics`);
    check(metrics.status === 200, `GET /metrics answered ${metrics.status}`);
    check(
      /^mqtt_health_component_status\{[^}]*component="cache"/m.test(metrics.text),
      `GET /metrics lacks mqtt_health_component_status for "cache"`,
    );
    row.metrics = 'ok';
  } finally {
    proc.child.stdin.end('close\n');
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
    const code = await proc.exited;
    clearTimeout(timer);
    const closed = code === 0 && proc.output.includes('CLOSED');
    if (row.metrics === 'ok') check(closed, `did not exit by itself within 10s of app.close() (exit ${code}):\n${proc.output}`);
  }
  row.close = 'ok';
}

async function consumer(app, tarball, tmp, rows) {
  const cwd = join(tmp, app.dir);
  mkdirSync(cwd);
  cpSync(TEMPLATE, join(cwd, 'src'), { recursive: true });
  const manifest = { name: app.dir, private: true, ...(app.type && { type: app.type }) };
  writeFileSync(
    join(cwd, 'package.json'),
    JSON.stringify({ ...manifest, dependencies: { ...app.deps, 'nestjs-mqtt-health': `file:${tarball}` } }, null, 2),
  );
  const mine = app.variants.map((variant) => rows.find((row) => row.app === variant.name));
  log(`${app.dir}: npm install (@nestjs/core ${app.deps['@nestjs/core']}, @nestjs/terminus ${app.deps['@nestjs/terminus']})`);
  const install = await run('npm', ['install', '--no-audit', '--no-fund'], { cwd, timeoutMs: 300_000 });
  check(install.code === 0, `${app.dir}: npm install failed:\n${install.output}`);
  check(!/ERESOLVE/.test(install.output), `${app.dir}: npm install warned about peer dependencies:\n${install.output}`);
  const nested = join(cwd, 'node_modules/nestjs-mqtt-health/node_modules/@nestjs');
  check(!existsSync(nested), `${app.dir}: the library got its own copy of @nestjs packages (${nested})`);
  for (const row of mine) row.install = 'ok';
  for (const [index, variant] of app.variants.entries()) {
    log(`${variant.name}: tsc, boot, probes`);
    await exercise(app, variant, mine[index]).catch((error) => {
      throw new Error(`${variant.name}: ${error.message}`);
    });
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'nestjs-mqtt-health-consumer-'));
const cleanup = () => (process.env.KEEP_CONSUMER_TMP === '1' ? log(`kept ${tmp}`) : rmSync(tmp, { recursive: true, force: true }));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) child.kill('SIGKILL');
    cleanup();
    process.exit(1);
  });
}

const columns = ['app', 'nest', 'terminus', 'module', 'install', 'build', 'boot', 'readiness', 'metrics', 'close'];
const rows = APPS.flatMap((app) =>
  app.variants.map((variant) => ({
    app: variant.name,
    nest: app.deps['@nestjs/core'],
    terminus: app.deps['@nestjs/terminus'],
    module: variant.module,
    tmp,
    ...Object.fromEntries(columns.slice(4).map((column) => [column, '-'])),
  })),
);
const failures = [];
try {
  const tarball = await pack(join(tmp, 'pack'));
  const results = await Promise.allSettled(APPS.map((app) => consumer(app, tarball, tmp, rows)));
  failures.push(...results.filter((result) => result.status === 'rejected').map((result) => result.reason));
} catch (error) {
  failures.push(error);
} finally {
  cleanup();
}

const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => String(row[column]).length)));
const line = (cells) => cells.map((cell, index) => String(cell).padEnd(widths[index])).join('  ');
console.log(`\n${line(columns)}\n${line(widths.map((width) => '-'.repeat(width)))}`);
for (const row of rows) console.log(line(columns.map((column) => row[column])));
for (const failure of failures) console.error(`\nFAILED: ${failure instanceof Error ? failure.message : failure}`);
log(failures.length === 0 ? 'all consumers passed' : `${failures.length} failure(s)`);
process.exitCode = failures.length === 0 ? 0 : 1;
