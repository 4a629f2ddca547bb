/**
 * ARCHITECTURE.md is the map of libs/health/src; this spec keeps it in step with the tree and with the
 * layer rules that `npm run lint:deps` (dependency-cruiser) enforces.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = join(ROOT, 'libs/health/src');
const APP = join(ROOT, 'apps/broker/src');
const MAP = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');

interface ForbiddenRule {
  name: string;
  severity: string;
}
const depcruise = createRequire(import.meta.url)(join(ROOT, '.dependency-cruiser.cjs')) as { forbidden: ForbiddenRule[] };

/** Every .ts file below `dir`, as a path relative to `from`. */
function typescriptFiles(dir: string, from = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typescriptFiles(path, from);
    return entry.name.endsWith('.ts') ? [relative(from, path)] : [];
  });
}

const librarySources = typescriptFiles(SRC).filter((path) => !path.endsWith('.spec.ts'));
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether the map names the file: its name as a word of its own (`probe-server.ts`, `views/dashboard/dashboard.page.ts`). */
function named(file: string): boolean {
  return new RegExp(`(^|[^\\w.<>-])${escape(basename(file))}(?![\\w.-])`).test(MAP);
}

/** The rows of the table that has a `dependency-cruiser` column: each boundary with the rule names in that column. */
function boundaryRows(): { boundary: string; rules: string[] }[] {
  const lines = MAP.split('\n');
  const header = lines.findIndex((line) => line.startsWith('|') && /dependency-cruiser/.test(line));
  if (header === -1) return [];
  const cellsOf = (line: string) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
  const column = cellsOf(lines[header]).findIndex((cell) => /dependency-cruiser/.test(cell));
  const rows: { boundary: string; rules: string[] }[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const cells = cellsOf(line);
    rows.push({ boundary: cells[0], rules: [...(cells[column] ?? '').matchAll(/`([^`]+)`/g)].map(([, rule]) => rule) });
  }
  return rows;
}

describe('ARCHITECTURE.md', () => {
  it('names every source file of libs/health/src', () => {
    expect(librarySources.length).toBeGreaterThan(50);
    const missing = librarySources.filter((file) => !named(file)).map((file) => `libs/health/src/${file} is not named in ARCHITECTURE.md`);
    expect(missing).toEqual([]);
  });

  it('names no file that is gone', () => {
    const everyFile = [
      ...typescriptFiles(SRC).map((f) => `libs/health/src/${f}`),
      ...typescriptFiles(APP).map((f) => `apps/broker/src/${f}`),
    ];
    const mentioned = [...MAP.matchAll(/(?<![\w.*<>/-])\w[\w./-]*\.ts(?![\w.-])/g)].map(([mention]) => mention);
    expect(mentioned.length).toBeGreaterThan(50);
    const gone = mentioned
      .filter((mention) => !existsSync(join(ROOT, mention)) && !everyFile.some((file) => file === mention || file.endsWith(`/${mention}`)))
      .map((mention) => `ARCHITECTURE.md names ${mention}, which is not a file of the repository, libs/health/src or apps/broker/src`);
    expect([...new Set(gone)]).toEqual([]);
  });

  it('documents in its boundary table only rules that dependency-cruiser has, each failing the lint', () => {
    const rows = boundaryRows();
    expect(rows.length).toBeGreaterThan(5);
    const rules = new Map(depcruise.forbidden.map((rule) => [rule.name, rule]));
    const problems = rows.flatMap(({ boundary, rules: named }) => [
      ...(named.length === 0 ? [`the row ${boundary} names no dependency-cruiser rule`] : []),
      ...named
        .filter((name) => !rules.has(name))
        .map((name) => `the row ${boundary} names ${name}, which is not a rule in .dependency-cruiser.cjs`),
      ...named
        .filter((name) => rules.has(name) && rules.get(name)!.severity !== 'error')
        .map((name) => `${name} (row ${boundary}) has severity ${rules.get(name)!.severity}, so it does not fail npm run lint:deps`),
    ]);
    expect(problems).toEqual([]);
  });

  it('documents every dependency-cruiser rule in its boundary table', () => {
    const documented = new Set(boundaryRows().flatMap((row) => row.rules));
    const undocumented = depcruise.forbidden
      .map((rule) => rule.name)
      .filter((name) => !documented.has(name))
      .map((name) => `.dependency-cruiser.cjs rule ${name} is in no row of the boundary table`);
    expect(undocumented).toEqual([]);
  });

  it('finds test kits in libs/health/src/testing/ only', () => {
    const strays = typescriptFiles(SRC)
      .filter((file) => !file.startsWith('testing/') && /(test-kit|fixtures?|testing|mocks?|fakes?)[^/]*\.ts$/.test(basename(file)))
      .map((file) => `libs/health/src/${file} looks like a test kit: move it to libs/health/src/testing/`);
    expect(strays).toEqual([]);
  });
});
