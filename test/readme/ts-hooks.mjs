// Node module hooks for README examples run in a child process (registered by register.mjs):
// TypeScript through @swc/core with the options of jest.config.js, `nestjs-mqtt-health` to the
// library's source, and `./x.js` to `./x.ts` beside a TypeScript importer, as the compiler resolves them.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from '@swc/core';
import { swc as SWC } from '../../jest.config.js';

const LIBRARY = new URL('../../libs/health/src/index.ts', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'nestjs-mqtt-health') return { url: LIBRARY, format: 'module', shortCircuit: true };
  if (context.parentURL?.endsWith('.ts') && /^\.{1,2}\/.*\.js$/.test(specifier)) {
    const ts = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
    if (existsSync(fileURLToPath(ts))) return { url: ts.href, format: 'module', shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const filename = fileURLToPath(url);
  const { code } = await transform(await readFile(filename, 'utf8'), { ...SWC, filename });
  return { format: 'module', source: code, shortCircuit: true };
}
