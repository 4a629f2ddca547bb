import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const BENCH_DIST = join(ROOT, 'bench/dist');
export const SERVER_ENTRY = join(BENCH_DIST, 'apps/main.js');
export const RESULTS_FILE = join(ROOT, '.bench/results.json');
export const PROFILE_DIR = join(ROOT, '.bench/profiles');
export const READINESS_PATH = '/api/v1/health/readiness';

/** Read by the measuring, the printed header and results.json alike, so the report always states what was run. */
export const SETTINGS = {
  cores: { server: 1, load: 0 },
  pipelining: 1,
  warmupSeconds: 2,
  // autocannon samples every 250 ms here (it stops on a sampling tick), so rounds may be fractions of a second.
  sampleMs: 250,
  // Readiness on the listener vs bare node:http, 100 connections: A B, B A, ... pairs.
  listener: { connections: 100, rounds: 7, seconds: 1 },
  wide: { connections: 1000, rounds: 3, seconds: 2 },
  // Every built-in view's probe routes, each paired with the baseline in every round.
  views: { connections: 100, rounds: 7, seconds: 0.5 },
  // A pair is measured again (at most `retries` times, and at most `budget` × pairs times per comparison)
  // when other processes took more than `maxForeign` of either core during one of its rounds: on a
  // shared machine that is someone else's test run.
  noise: { maxForeign: 0.2, retries: 2, budget: 0.35 },
  // Rows (a) and (b) of the earlier bench: the host-app controller and the snapshot vs Terminus.
  legacy: { connections: 50, rounds: 3, seconds: 2 },
  refreshIntervalMs: 1000,
  // Mirrors SLOW_DEPENDENCY_MS in bench/apps/dependencies.ts.
  slowIndicatorMs: 20,
  // Mirrors TREE_SIZE in bench/apps/tree.health.ts.
  treeSize: 50,
  scrapes: 40,
  leak: { requests: 1_000_000, connections: 100, pipelining: 10 },
  flood: { connections: 6, requestsEach: 120_000, seconds: 8, probeEveryMs: 100 },
  mqtt: { rounds: 5, seconds: 3, publishers: 4, payload: 64, probesPerSecond: 50, retries: 2 },
  profile: { connections: 100, seconds: 8 },
};
