// The README's first app as a CommonJS Nest app holds it, laid out as `nest new` (11) lays one out: src/main.ts (the
// example), src/app.module.ts (the example without its bootstrap) and test/*.e2e-spec.ts (the jest-spec blocks).
// The example compiles as CommonJS, both as generated (`module: nodenext` in a CommonJS package) and with
// `module: commonjs`, and Jest runs every jest-spec block, each test of which must pass.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import ts from 'typescript';
import { appModuleOf, extractExamples, type ReadmeBlock } from './readme-blocks.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LIBRARY = join(ROOT, 'libs/health/src/index.ts');
const { blocks } = extractExamples(readFileSync(join(ROOT, 'README.md'), 'utf8'));
const [first] = blocks;
const specs = blocks.filter((block) => block.kind === 'jest-spec');
const RUN_WITHIN_MS = 180_000;

/** What @types/jest declares in a generated app: the globals of Jest, typed by @jest/globals. */
const JEST_GLOBALS = `import type * as jest from '@jest/globals';
declare global {
  const describe: typeof jest.describe, it: typeof jest.it, test: typeof jest.test, expect: typeof jest.expect;
  const beforeAll: typeof jest.beforeAll, beforeEach: typeof jest.beforeEach, afterAll: typeof jest.afterAll, afterEach: typeof jest.afterEach;
}
export {};
`;

/** The app's tsconfig.json as `nest new` 11 writes it (less what only concerns emitting). */
const NEST_APP: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2023,
  emitDecoratorMetadata: true,
  experimentalDecorators: true,
  allowSyntheticDefaultImports: true,
  esModuleInterop: true,
  isolatedModules: true,
  skipLibCheck: true,
  strictNullChecks: true,
  forceConsistentCasingInFileNames: true,
  noImplicitAny: false,
  strictBindCallApply: false,
  noFallthroughCasesInSwitch: false,
  noEmit: true,
  types: ['node'],
  // The package as the app would install it, from its source.
  paths: { 'nestjs-mqtt-health': [LIBRARY] },
};

let dir: string;
let cutProblem: string | undefined;
const mainFile = () => join(dir, 'src/main.ts');
const specFile = (block: ReadmeBlock) => join(dir, 'test', `readme-${block.line}.e2e-spec.ts`);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'readme-app-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, type: 'commonjs' }));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'junction');
  mkdirSync(join(dir, 'src'));
  mkdirSync(join(dir, 'test'));
  writeFileSync(mainFile(), first.code);
  const appModule = appModuleOf(first);
  if (typeof appModule === 'string') cutProblem = appModule;
  else writeFileSync(join(dir, 'src/app.module.ts'), appModule.source);
  writeFileSync(join(dir, 'test/jest-globals.d.ts'), JEST_GLOBALS);
  for (const block of specs) writeFileSync(specFile(block), block.code);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("README.md's first app as a CommonJS app", () => {
  it('has an e2e spec in the README, and a module the spec can import', () => {
    expect(specs.length).toBeGreaterThan(0);
    expect(cutProblem).toBeUndefined();
  });

  it.each([
    [
      'module nodenext in a CommonJS package, as nest new generates',
      { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext },
    ],
    ['module commonjs', { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, ignoreDeprecations: '6.0' }],
  ] as const)('compiles with %s: the first example, its module and the e2e specs', (_, moduleOptions) => {
    const files = [
      mainFile(),
      ...(cutProblem ? [] : [join(dir, 'src/app.module.ts')]),
      join(dir, 'test/jest-globals.d.ts'),
      ...specs.map(specFile),
    ];
    expect(typeCheck(files, { ...NEST_APP, ...moduleOptions })).toEqual([]);
  });

  it(
    'runs every jest-spec block with Jest, and every test in it passes',
    async () => {
      const { results, output } = await runJest();
      const files = results.testResults.map((file) => [basename(file.name), file.status]);
      if (!results.success || files.length !== specs.length) throw new Error(`Jest did not pass the README's specs:\n${output}`);
      expect(files).toEqual(specs.map((block) => [basename(specFile(block)), 'passed']));
      expect(results.numFailedTests).toBe(0);
      expect(results.numPassedTests).toBeGreaterThanOrEqual(specs.length);
    },
    RUN_WITHIN_MS,
  );
});

/** Every error of the program, as `README.md:<line>: TS<code> <message>` where it comes from a README block. */
function typeCheck(files: string[], options: ts.CompilerOptions): string[] {
  const program = ts.createProgram(files, options);
  const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`the compiler did not load ${file}`);
    diagnostics.push(...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source));
  }
  return diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error).map(format);
}

function format(diagnostic: ts.Diagnostic): string {
  const message = `TS${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  if (!diagnostic.file || diagnostic.start === undefined) return message;
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  const name = diagnostic.file.fileName;
  const block = name === mainFile() || name === join(dir, 'src/app.module.ts') ? first : specs.find((b) => specFile(b) === name);
  return block ? `README.md:${block.line + line}: ${message}` : `${relative(dir, name)}:${line + 1}: ${message}`;
}

interface JestResults {
  success: boolean;
  numPassedTests: number;
  numFailedTests: number;
  testResults: { name: string; status: string }[];
}

/**
 * Jest in the app's folder, on the specs under test/. The runtime is the repository's (Nest 12, ES modules), so
 * the specs run as ES modules through the repository's @swc/jest transform; what a CommonJS app compiles is
 * checked above.
 */
async function runJest(): Promise<{ results: JestResults; output: string }> {
  const outputFile = join(dir, 'jest-results.json');
  writeFileSync(
    join(dir, 'jest.config.mjs'),
    [
      `import { swc } from ${JSON.stringify(join(ROOT, 'jest.config.js'))};`,
      'export default {',
      `  rootDir: ${JSON.stringify(dir)},`,
      `  testEnvironment: 'node',`,
      `  testRegex: '.e2e-spec.ts$',`,
      `  moduleFileExtensions: ['js', 'json', 'ts'],`,
      `  extensionsToTreatAsEsm: ['.ts'],`,
      `  transform: { '^.+\\\\.ts$': ['@swc/jest', swc] },`,
      `  moduleNameMapper: { '^nestjs-mqtt-health$': ${JSON.stringify(LIBRARY)}, '^(\\\\.{1,2}/.*)\\\\.js$': '$1' },`,
      '};',
      '',
    ].join('\n'),
  );
  const jest = join(ROOT, 'node_modules/jest/bin/jest.js');
  const args = [jest, '--config', 'jest.config.mjs', '--ci', '--runInBand', '--no-watchman', '--json', '--outputFile', outputFile];
  const env = { ...process.env, NODE_OPTIONS: '--experimental-vm-modules', NO_COLOR: '1' };
  const child = spawn(process.execPath, args, { cwd: dir, env, stdio: 'pipe' });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', (exitCode) => done(exitCode)));
  if (!existsSync(outputFile)) throw new Error(`Jest exited ${code} without results:\n${output}`);
  return { results: JSON.parse(readFileSync(outputFile, 'utf8')) as JestResults, output };
}
