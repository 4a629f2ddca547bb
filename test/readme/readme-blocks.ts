/**
 * The TypeScript blocks of README.md and what the README test does with each. Every ```ts or
 * ```typescript block must follow, on the line above it (blank lines allowed), one marker:
 *
 *   <!-- example: boots [path] -->       a complete app: type-checked, then run in a child process;
 *                                        `path` (default /api/v1/health/readiness) must answer 200.
 *                                        The block either bootstraps itself, listening on
 *                                        `process.env.PORT`, or exports an `AppModule` the test boots.
 *   <!-- example: compiles -->           a standalone module: type-checked only.
 *   <!-- example: fragment <Type> -->    the body of an object literal of `Type`, a type exported by
 *                                        nestjs-mqtt-health: type-checked inside `const x: Type = { ... }`.
 *   <!-- example: jest-spec -->          an e2e spec of the README's first app, as a Nest app's test/ holds one:
 *                                        it imports that app's module from '../src/app.module' (the first
 *                                        example without its bootstrap), is type-checked as a CommonJS app's
 *                                        code, and run by Jest, which must pass every test in it.
 *
 * A block without a marker, a marker without a block and an unknown marker are problems the test
 * reports with their README line.
 */

export type ExampleKind = 'boots' | 'compiles' | 'fragment' | 'jest-spec';

export interface ReadmeBlock {
  /** 1-based README line of the block's first code line. */
  line: number;
  kind: ExampleKind;
  /** The block as written. */
  code: string;
  /** The file the compiler sees (a fragment wrapped in its declared context). */
  source: string;
  /** Lines `source` adds before `code`, to map a diagnostic back to the README. */
  prefixLines: number;
  /** boots: the path that must answer 200. */
  readinessPath: string;
  /** boots: whether the block bootstraps itself (otherwise the test boots its exported AppModule). */
  selfBootstrapping: boolean;
}

export interface ReadmeExamples {
  blocks: ReadmeBlock[];
  problems: string[];
}

export const DEFAULT_READINESS_PATH = '/api/v1/health/readiness';

const FENCE = /^\s*(`{3,}|~{3,})\s*([\w+-]*)/;
const MARKER = /^\s*<!--\s*example:\s*(.*?)\s*-->\s*$/;
const TS_LANGS = new Set(['ts', 'typescript']);

export function extractExamples(markdown: string): ReadmeExamples {
  const lines = markdown.split(/\r?\n/);
  const blocks: ReadmeBlock[] = [];
  const problems: string[] = [];
  let pending: { text: string; line: number } | undefined;

  for (let i = 0; i < lines.length; i++) {
    const marker = MARKER.exec(lines[i]);
    if (marker) {
      if (pending) problems.push(`README.md:${pending.line}: marker "${pending.text}" is not followed by a TypeScript block`);
      pending = { text: marker[1], line: i + 1 };
      continue;
    }
    const fence = FENCE.exec(lines[i]);
    if (!fence) {
      if (lines[i].trim() !== '' && pending) {
        problems.push(`README.md:${pending.line}: marker "${pending.text}" is not followed by a TypeScript block`);
        pending = undefined;
      }
      continue;
    }
    const [, ticks, lang] = fence;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end].trim().startsWith(ticks)) end++;
    i = end;
    const isTs = TS_LANGS.has(lang.toLowerCase());
    if (!isTs) {
      if (pending) problems.push(`README.md:${pending.line}: marker "${pending.text}" precedes a \`\`\`${lang || '(plain)'} block`);
      pending = undefined;
      continue;
    }
    const code = lines.slice(start, end).join('\n');
    if (!pending) {
      problems.push(
        `README.md:${start + 1}: TypeScript block without an <!-- example: boots | compiles | fragment <Type> | jest-spec --> marker`,
      );
      continue;
    }
    const block = toBlock(pending.text, code, start + 1);
    if (typeof block === 'string') problems.push(`README.md:${pending.line}: ${block}`);
    else blocks.push(block);
    pending = undefined;
  }
  if (pending) problems.push(`README.md:${pending.line}: marker "${pending.text}" is not followed by a TypeScript block`);
  return { blocks, problems };
}

function toBlock(marker: string, code: string, line: number): ReadmeBlock | string {
  const [kind, arg, ...rest] = marker.split(/\s+/);
  if (rest.length) return `marker "${marker}" has too many words`;
  const base = { line, code, source: code, prefixLines: 0, readinessPath: DEFAULT_READINESS_PATH, selfBootstrapping: false };
  switch (kind) {
    case 'boots': {
      if (arg !== undefined && !arg.startsWith('/')) return `marker "${marker}": the readiness path must start with /`;
      const selfBootstrapping = /\bNestFactory\.create\w*\(/.test(code);
      if (!selfBootstrapping && !/export class AppModule\b/.test(code)) {
        return `a "boots" block must bootstrap itself (NestFactory, listening on process.env.PORT) or export class AppModule`;
      }
      if (selfBootstrapping && !code.includes('process.env.PORT')) return `a self-bootstrapping block must listen on process.env.PORT`;
      return { ...base, kind, readinessPath: arg ?? DEFAULT_READINESS_PATH, selfBootstrapping };
    }
    case 'compiles':
      return arg === undefined ? { ...base, kind } : `marker "${marker}": "compiles" takes no argument`;
    case 'fragment': {
      if (!arg || !/^[A-Za-z_$][\w$]*$/.test(arg)) return `marker "${marker}": "fragment" needs the type it is the body of`;
      const prefix = [`import type { ${arg} } from 'nestjs-mqtt-health';`, `export const fragment: ${arg} = {`];
      return { ...base, kind, source: [...prefix, code, '};', ''].join('\n'), prefixLines: prefix.length };
    }
    case 'jest-spec':
      if (arg !== undefined) return `marker "${marker}": "jest-spec" takes no argument`;
      if (!/\bit\(/.test(code) || !code.includes(`from '../src/app.module'`))
        return `a "jest-spec" block has tests (it(...)) of the first example's app, imported from '../src/app.module'`;
      return { ...base, kind };
    default:
      return `unknown marker "${marker}" (boots, compiles, fragment <Type> or jest-spec)`;
  }
}

/** The lines that start the first example's bootstrap, in either form (top-level await or a bootstrap function). */
const BOOTSTRAP = /^(?:async function bootstrap\b|const app = await NestFactory\.)/;
const NEST_FACTORY_IMPORT = /^import \{ NestFactory \} from '@nestjs\/core';$/;

/**
 * `src/app.module.ts` of the first example's app, as `nest new` splits an app: the example without its bootstrap
 * (from the first line of it on) and without the NestFactory import. A string says why it cannot be cut.
 */
export function appModuleOf(block: ReadmeBlock): string | { source: string } {
  const lines = block.code.split('\n');
  const start = lines.findIndex((line) => BOOTSTRAP.test(line));
  if (start < 0)
    return `README.md:${block.line}: the first example has no bootstrap ("async function bootstrap" or "const app = await NestFactory.")`;
  const kept = lines.slice(0, start).filter((line) => !NEST_FACTORY_IMPORT.test(line));
  if (kept.some((line) => line.includes('NestFactory')))
    return `README.md:${block.line}: the first example uses NestFactory before its bootstrap; the e2e spec could not import its module`;
  return { source: `${kept.join('\n').trimEnd()}\n` };
}
