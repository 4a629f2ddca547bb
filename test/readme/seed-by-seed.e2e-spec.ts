// README's "Seed by seed" section: every row names a test that exists, or says why it cannot apply.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = /^## Seed by seed\n([^]*?)^## /m.exec(readme)?.[1] ?? '';

/** Every `*.spec.ts` file name under libs/ and apps/. */
function unitSpecs(dir: string, found = new Set<string>()): Set<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) unitSpecs(path, found);
    else if (entry.name.endsWith('.spec.ts')) found.add(entry.name);
  }
  return found;
}

/** The body rows of the behaviour tables (the ones headed `| behaviour | where | test |`). */
const rows: string[][] = [];
let inTable = false;
for (const line of section.split('\n')) {
  if (!line.startsWith('|')) inTable = false;
  else if (line.startsWith('| behaviour |')) inTable = true;
  else if (inTable && !line.startsWith('| ---')) rows.push(line.split(' | ').map((cell) => cell.replace(/^\| |\s*\|$/g, '').trim()));
}

describe("README's seed-by-seed section", () => {
  it('has a table for each of the five reference documents', () => {
    for (const heading of [
      '**FluxMQ**',
      "**The engine's `/healthz` and `/readyz`**",
      "**HiveMQ's article**",
      '**Zeebe**',
      '**HiveMQ Health API**',
    ])
      expect(section).toContain(heading);
    expect(rows.length).toBeGreaterThan(30);
  });

  it('names, on every row, a test that exists, unless the row says it cannot apply', () => {
    const specs = unitSpecs(join(ROOT, 'libs'), unitSpecs(join(ROOT, 'apps')));
    const problems: string[] = [];
    for (const [behaviour, where, tests] of rows) {
      if (where.startsWith('cannot apply')) continue;
      const named = [...tests.matchAll(/`([^`]+)`/g)].map((match) => match[1]);
      if (named.length === 0) problems.push(`${behaviour}: no test`);
      for (const test of named) {
        const exists = test.startsWith('test/')
          ? existsSync(join(ROOT, `${test}.e2e-spec.ts`)) || existsSync(join(ROOT, test))
          : specs.has(test);
        if (!exists) problems.push(`${behaviour}: ${test} does not exist`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('leaves no row open', () => {
    expect(rows.filter(([, where, tests]) => /\bopen\b|todo|tbd/i.test(`${where} ${tests}`))).toEqual([]);
  });
});
