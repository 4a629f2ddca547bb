// Every TypeScript example of README.md type-checks, and every complete one boots and answers its
// readiness probe. The markers that say which is which are described in readme-blocks.ts.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as library from 'nestjs-mqtt-health';
import ts from 'typescript';
import { extractExamples, type ReadmeBlock } from './readme-blocks.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const REGISTER = join(ROOT, 'test/readme/register.mjs');
const { blocks, problems } = extractExamples(readFileSync(join(ROOT, 'README.md'), 'utf8'));
const booting = blocks.filter((block) => block.kind === 'boots');
// The e2e specs belong to a CommonJS app's test/ folder: readme-commonjs-app.e2e-spec.ts checks and runs them.
const modules = blocks.filter((block) => block.kind !== 'jest-spec');

type Exit = { code: number | null; signal: NodeJS.Signals | null };

const READY_WITHIN_MS = 30_000;
const EXIT_WITHIN_MS = 15_000;

/** The files the compiler and the child processes see, in a temporary ESM package. */
let dir: string;
let diagnostics: Map<string, readonly ts.Diagnostic[]>;
let globalErrors: readonly ts.Diagnostic[];

const fileOf = (block: ReadmeBlock) => join(dir, `readme-${block.line}.ts`);
const bootFileOf = (block: ReadmeBlock) => join(dir, `readme-${block.line}.boot.ts`);

/** Boots the exported AppModule of a block that does not bootstrap itself, as a main.ts would. */
const bootSource = (block: ReadmeBlock) =>
  [
    `import { NestFactory } from '@nestjs/core';`,
    `import { AppModule } from './readme-${block.line}.js';`,
    `const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });`,
    `app.enableShutdownHooks();`,
    `await app.listen(Number(process.env.PORT), '127.0.0.1');`,
    '',
  ].join('\n');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'readme-examples-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  // Bare specifiers (@nestjs/*, @nestjs/terminus) resolve to the repository's packages, as in an app.
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'junction');
  const files: string[] = [];
  for (const block of modules) {
    writeFileSync(fileOf(block), block.source);
    files.push(fileOf(block));
    if (block.kind === 'boots' && !block.selfBootstrapping) {
      writeFileSync(bootFileOf(block), bootSource(block));
      files.push(bootFileOf(block));
    }
  }
  ({ diagnostics, globalErrors } = typeCheck(files));
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('README.md examples', () => {
  it('marks every TypeScript block, and every marker precedes one', () => {
    expect(problems).toEqual([]);
    expect(blocks.length).toBeGreaterThan(0);
  });

  it('opens with the smallest complete app: a module, a bootstrap, HealthModule.forRoot and one indicator', () => {
    const [first] = blocks;
    expect(first).toMatchObject({ kind: 'boots', selfBootstrapping: true });
    expect(first.code).toContain('HealthModule.forRoot(');
    expect(first.code.match(/@HealthIndicator\(/g)).toHaveLength(1);
    expect(first.code).toMatch(/@Module\(/);
  });

  it('names no example class like an export of the library', () => {
    const clashes = blocks.flatMap((block) =>
      [...block.code.matchAll(/\bclass\s+([A-Za-z_$][\w$]*)/g)]
        .map((match) => match[1])
        .filter((name) => Object.hasOwn(library, name))
        .map((name) => `README.md:${block.line}: class ${name}`),
    );
    expect(clashes).toEqual([]);
  });

  it('sets up the compiler from tsconfig.json without errors', () => {
    expect(globalErrors.map((error) => format(error))).toEqual([]);
  });

  it.each(modules.map((block) => [`README.md:${block.line} (${block.kind})`, block] as const))('%s type-checks', (_, block) => {
    const errors = [...(diagnostics.get(fileOf(block)) ?? []), ...(diagnostics.get(bootFileOf(block)) ?? [])];
    expect(errors.map((error) => format(error, block))).toEqual([]);
  });

  it.each(booting.map((block) => [`README.md:${block.line}`, block] as const))(
    '%s boots, answers its readiness probe with 200 and closes on SIGTERM',
    async (_, block) => {
      await bootAndProbe(block.selfBootstrapping ? fileOf(block) : bootFileOf(block), block.readinessPath);
    },
    READY_WITHIN_MS + EXIT_WITHIN_MS + 5_000,
  );
});

/** One program over every example: the repository's compiler options, `nestjs-mqtt-health` mapped to the source. */
function typeCheck(files: string[]): { diagnostics: Map<string, readonly ts.Diagnostic[]>; globalErrors: readonly ts.Diagnostic[] } {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(format(diagnostic));
    },
  });
  if (!config) throw new Error('tsconfig.json could not be read');
  // The examples live outside rootDir; nothing is emitted.
  const options: ts.CompilerOptions = { ...config.options, noEmit: true, rootDir: undefined, declaration: false, sourceMap: false };
  const program = ts.createProgram(files, options);
  const perFile = new Map<string, readonly ts.Diagnostic[]>();
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`the compiler did not load ${file}`);
    perFile.set(file, [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]);
  }
  const globalErrors = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].filter(
    (diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error,
  );
  return { diagnostics: perFile, globalErrors };
}

/** `README.md:<line>: TS<code> <message>` for an error in a block, the file and line otherwise. */
function format(diagnostic: ts.Diagnostic, block?: ReadmeBlock): string {
  const message = `TS${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  if (!diagnostic.file || diagnostic.start === undefined) return message;
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  if (block && diagnostic.file.fileName === fileOf(block)) return `README.md:${block.line + line - block.prefixLines}: ${message}`;
  return `${diagnostic.file.fileName}:${line + 1}: ${message}`;
}

/** Runs the entry in a child process with PORT set, waits for `path` to answer 200, then stops it with SIGTERM. */
async function bootAndProbe(entry: string, path: string): Promise<void> {
  const port = await freePort();
  const env = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1', PORT: String(port) };
  const child = spawn(process.execPath, ['--enable-source-maps', '--import', REGISTER, entry], { cwd: dir, env, stdio: 'pipe' });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((done) => child.once('exit', (code, signal) => done((exit = { code, signal }))));
  const exitOf = () => exit;
  try {
    const url = `http://127.0.0.1:${port}${path}`;
    let last = 'no answer';
    let ready = false;
    const deadline = Date.now() + READY_WITHIN_MS;
    while (!ready && !exitOf() && Date.now() < deadline) {
      const answer = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
        async (res) => ({ status: res.status, body: await res.text() }),
        (error: Error) => ({ status: 0, body: error.message }),
      );
      ready = answer.status === 200;
      last = `${answer.status} ${answer.body}`;
      if (!ready) await sleep(100);
    }
    const early = exitOf();
    if (!ready) throw new Error(`GET ${path}: ${early ? `the app exited (${JSON.stringify(early)})` : `last answer ${last}`}\n${output}`);
    child.kill('SIGTERM');
    const stopped = await Promise.race([exited, sleep(EXIT_WITHIN_MS, undefined, { ref: false })]);
    if (!stopped) throw new Error(`the app did not exit within ${EXIT_WITHIN_MS} ms of SIGTERM\n${output}`);
    if (stopped.code !== 0 && stopped.signal !== 'SIGTERM') throw new Error(`the app exited with ${JSON.stringify(stopped)}\n${output}`);
  } finally {
    if (!exitOf()) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}
