// `npm run bench -- --cpu-prof` (or BENCH_PROFILE=1): the readiness listener alone, under
// `node --cpu-prof`, loaded as in the 100-connection row; prints the top self-time frames.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyAnswer } from './bench-apps.js';
import { load } from './measure.js';
import { fixed, int, printTable } from './report.js';
import { PROFILE_DIR, READINESS_PATH, ROOT, SETTINGS } from './settings.js';
import { TWO_INSTANT_READINESS } from './listener-rows.js';

export async function profileListener(servers, top = 10) {
  mkdirSync(PROFILE_DIR, { recursive: true });
  const earlier = new Set(readdirSync(PROFILE_DIR));
  const listener = await servers.get('listener', ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`]);
  const url = listener.url + READINESS_PATH;
  await verifyAnswer('listener', url, TWO_INSTANT_READINESS);
  const { connections, seconds } = SETTINGS.profile;
  const { result } = await load(url, { seconds, connections });
  // The profile is written as the process exits.
  await servers.release('listener');
  const file = readdirSync(PROFILE_DIR).find((name) => name.endsWith('.cpuprofile') && !earlier.has(name));
  if (!file) throw new Error(`no new .cpuprofile in ${PROFILE_DIR}`);
  const frames = selfTimes(JSON.parse(readFileSync(join(PROFILE_DIR, file), 'utf8')));
  console.log(
    `CPU profile of the readiness listener: ${int(result.requests.total / result.duration)} req/s, ${connections} connections, ${seconds} s ` +
      `(${relative(process.cwd(), join(PROFILE_DIR, file))})`,
  );
  console.log(
    `  ${int(frames.totalMs)} ms sampled: idle ${fixed((frames.idleMs / frames.totalMs) * 100, 1)}%, ` +
      `top ${top} self-time frames of the busy time (${int(frames.busyMs)} ms):`,
  );
  printTable(
    [
      ['self ms', '% busy', 'frame'],
      ...frames.list.slice(0, top).map((f) => [fixed(f.ms, 0), `${fixed((f.ms / frames.busyMs) * 100, 1)}%`, f.frame]),
    ],
    (column) => column < 2,
  );
  return { file, ...frames, list: frames.list.slice(0, 30) };
}

/** Self time per frame (function name, file:line), from the nodes' hit counts; (idle) set apart. */
export function selfTimes(profile) {
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const hits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const msPerHit = hits ? totalMs / hits : 0;
  const byFrame = new Map();
  let idleMs = 0;
  for (const node of profile.nodes) {
    if (!node.hitCount) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleMs += node.hitCount * msPerHit;
      continue;
    }
    const frame = `${functionName || '(anonymous)'}${url ? ` ${shortUrl(url)}:${lineNumber + 1}` : ''}`;
    byFrame.set(frame, (byFrame.get(frame) ?? 0) + node.hitCount * msPerHit);
  }
  const list = [...byFrame].map(([frame, ms]) => ({ frame, ms })).sort((a, b) => b.ms - a.ms);
  return { totalMs, idleMs, busyMs: totalMs - idleMs, list };
}

function shortUrl(url) {
  if (!url.startsWith('file://')) return url;
  const path = relative(ROOT, fileURLToPath(url));
  return path.replace(/^node_modules\//, '');
}
