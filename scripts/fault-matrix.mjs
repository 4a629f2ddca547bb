// The README's fault matrix, written from what the fault tests observed (test/support/fault-matrix.ts).
//   node scripts/fault-matrix.mjs          print the table
//   node scripts/fault-matrix.mjs --write  put it into README.md between its markers
//   node scripts/fault-matrix.mjs --check  fail if an observation is missing or slower than its bound,
//                                          or if README.md's copy differs (CI runs this after npm test)
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const OBSERVATIONS = join(ROOT, 'test/.fault-matrix');
const README = join(ROOT, 'README.md');
const START = '<!-- fault-matrix:start -->';
const END = '<!-- fault-matrix:end -->';

/** Every fault the matrix must show, and the time within which its tests require the answers to change. */
const FAULTS = {
  'Peer killed': 5_000,
  'Peer leaving (SIGTERM)': 3_000,
  'Redis killed': 5_000,
  'Redis hung': 10_000,
  "Second broker with a live member's NODE_ID": undefined,
  'Redis refusing the password in REDIS_URL': undefined,
  'Redis unreachable at start': undefined,
  'Disk full (DATA_DIR)': 5_000,
  'Disk filled by another process (DATA_DIR)': 5_000,
  'DATA_DIR deleted': 5_000,
  'Redis at maxmemory': 5_000,
  'Redis flushed': 5_000,
  'Redis evicting keys (maxmemory-policy)': 5_000,
  'Disk freed after full (DATA_DIR)': 10_000,
  'MQTT port taken': 3_000,
  'Certificate unusable at start': undefined,
  'Certificate reload rejected': 5_000,
  'Extension throwing in a hook': 3_000,
  'Extension async hook rejecting': 3_000,
  'Extension async hook never settling': 3_000,
  'Extension failing to start': undefined,
  'Extension hanging at start': undefined,
  'Request flood on the health port': undefined,
  'Health port held by 128+ connections': undefined,
  '1,000-connection storm': undefined,
  'Event loop blocked for 6 s, then free': 5_000,
  SIGTERM: 1_000,
};
const COLUMNS = [
  'HiveMQ /health',
  'HiveMQ readiness',
  'FluxMQ /ready',
  'Kubernetes /readyz',
  'Kubernetes /livez',
  'Zeebe /health',
  'agent-check',
];

function observations() {
  if (!existsSync(OBSERVATIONS)) return [];
  return readdirSync(OBSERVATIONS)
    .filter((file) => file.endsWith('.json'))
    .map((file) => JSON.parse(readFileSync(join(OBSERVATIONS, file), 'utf8')))
    .sort((a, b) => a.order - b.order || a.fault.localeCompare(b.fault));
}

function seconds(ms) {
  return ms < 1000 ? `${ms} ms` : `${ms / 1000} s`;
}

function table(rows) {
  const lines = [`| fault | answers change within | ${COLUMNS.join(' | ')} |`, `| --- | --- | ${COLUMNS.map(() => '---').join(' | ')} |`];
  for (const row of rows) {
    const bound = FAULTS[row.fault];
    const within = bound === undefined ? 'at once (a state, not a change)' : `≤ ${seconds(bound)}`;
    lines.push(`| ${row.fault} | ${within} | ${COLUMNS.map((column) => `\`${row.answers[column] ?? '-'}\``).join(' | ')} |`);
  }
  return lines.join('\n');
}

function problems(rows) {
  const found = [];
  for (const fault of Object.keys(FAULTS)) if (!rows.some((row) => row.fault === fault)) found.push(`no observation of "${fault}"`);
  for (const row of rows) {
    if (!(row.fault in FAULTS)) found.push(`"${row.fault}" is observed but not listed in scripts/fault-matrix.mjs`);
    const bound = FAULTS[row.fault];
    if (bound !== undefined && !(row.detectedInMs <= bound)) found.push(`"${row.fault}" took ${row.detectedInMs} ms, over its ${bound} ms`);
  }
  return found;
}

const rows = observations();
const text = table(rows);
if (!process.argv.includes('--write') && !process.argv.includes('--check')) {
  console.log(text);
  process.exit(0);
}
const readme = readFileSync(README, 'utf8');
const [before, rest] = readme.split(START);
const after = rest?.split(END)[1];
if (after === undefined) throw new Error(`README.md has no ${START} ... ${END} section`);
const updated = `${before}${START}\n${text}\n${END}${after}`;
if (process.argv.includes('--write')) {
  writeFileSync(README, updated);
  console.log(`README.md fault matrix: ${rows.length} faults`);
} else {
  const found = problems(rows);
  if (updated !== readme) found.push('README.md differs from the observations: run npm test, then node scripts/fault-matrix.mjs --write');
  if (found.length) {
    console.error(`fault matrix:\n- ${found.join('\n- ')}`);
    process.exit(1);
  }
  console.log(`fault matrix: ${rows.length} faults, README.md matches`);
}
