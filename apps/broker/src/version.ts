import { readFileSync } from 'node:fs';

/** The demo's version, from the monorepo's package.json. */
export const version: string = (() => {
  try {
    return JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version as string;
  } catch {
    return 'unknown';
  }
})();
