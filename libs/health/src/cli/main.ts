#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { runCli } from './probe.js';

/** The package's version, from the package.json beside dist/. */
function packageVersion(): string {
  try {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

process.exitCode = await runCli(
  process.argv.slice(2),
  (line) => console.log(line),
  (line) => console.error(line),
  packageVersion(),
);
