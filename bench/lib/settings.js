import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const BENCH_DIST = join(ROOT, 'bench/dist');
export const SERVER_ENTRY = join(BENCH_DIST, 'apps/main.js');
export const RESULTS_FILE = join(ROOT, '.bench/results.json');
export const READINESS_PATH = '/api/v1/health/readiness';

/** Read by the measuring, the printed header and results.json alike, so the report always states what was run. */
export const SETTINGS = {
  connections: 50,
  pipelining: 1,
  rounds: 5,
  // autocannon stops on its 1 s sampling tick, so rounds are whole seconds.
  roundSeconds: 2,
  warmupSeconds: 2,
  refreshIntervalMs: 1000,
  // Mirrors SLOW_DEPENDENCY_MS in bench/apps/dependencies.ts.
  slowIndicatorMs: 20,
};
