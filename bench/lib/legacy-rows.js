// Rows (a) and (b) of the earlier bench, on the host app's HTTP server (Express): readiness through the
// module's HealthController vs a constant Nest controller, and the module's snapshot vs @nestjs/terminus
// running the same three checks per request. The earlier (c) and (d) are superseded by the listener rows.
import { verifyAnswer } from './bench-apps.js';
import { comparePaired, load } from './measure.js';
import { int, printComparison, times } from './report.js';
import { READINESS_PATH, SETTINGS } from './settings.js';
import { TWO_INSTANT_READINESS } from './listener-rows.js';

const sameKeys = (object, keys) =>
  typeof object === 'object' && object !== null && JSON.stringify(Object.keys(object).sort()) === JSON.stringify(keys);
const THREE = ['instant-a', 'instant-b', 'slow'];

export async function legacyRows(servers, details) {
  const rows = [];
  const { rounds, seconds } = SETTINGS.legacy;

  const [constant, readiness] = await Promise.all([servers.get('constant'), servers.get('readiness')]);
  await verifyAnswer('constant', constant.url + READINESS_PATH, { status: 'UP' });
  await verifyAnswer('readiness', readiness.url + READINESS_PATH, TWO_INSTANT_READINESS);
  const connections = SETTINGS.legacy.connections;
  const a = await pair(constant, readiness, { rounds, seconds, connections });
  printComparison(
    `(a) GET ${READINESS_PATH} on the host app (Express), ${connections} connections`,
    {
      baseline: "constant Nest controller {status:'UP'}",
      subject: 'HealthModule HealthController',
    },
    a,
  );
  details.hostApp = a;
  rows.push({
    key: 'host-app',
    measure: `(a) readiness on the host app (Express) vs a constant Nest controller, ${connections} connections`,
    target: '≥ 0.9× req/s',
    result: `${times(a.rpsRatio)} req/s, CPU µs/req ${times(a.cpuRatio)}`,
    pass: a.rpsRatio >= 0.9 && a.subject.failures === 0,
  });
  await Promise.all([servers.release('constant'), servers.release('readiness')]);

  const [terminus, snapshot] = await Promise.all([servers.get('terminus'), servers.get('snapshot')]);
  await verifyAnswer('terminus', terminus.url + READINESS_PATH, (body) => body?.status === 'ok' && sameKeys(body.details, THREE));
  await verifyAnswer('snapshot', snapshot.url + READINESS_PATH, (body) => body?.status === 'UP' && sameKeys(body.components, THREE));
  // Probe traffic (kubelet, HAProxy) is a handful of connections; at 50, Terminus is capped by its own 20 ms check.
  const before = await snapshot.counters();
  const b = await pair(terminus, snapshot, { rounds, seconds, connections: 10 });
  const after = await snapshot.counters();
  const runs = after.slow - before.slow;
  const windowMs = after.at - before.at;
  // A refresher that starts every refreshIntervalMs runs the slow check at most window/interval + 1 times.
  const bound = Math.floor(windowMs / SETTINGS.refreshIntervalMs) + 1;
  printComparison(
    '(b) 3 indicators (2 instant, 1 awaiting 20 ms), 10 connections',
    {
      baseline: 'Terminus HealthCheckService, checks per request',
      subject: 'HealthModule snapshot, refreshed every 1000 ms',
    },
    b,
  );
  console.log(
    `  the 20 ms indicator ran ${runs} times in ${(windowMs / 1000).toFixed(1)} s behind HealthModule (bound ${bound}); ` +
      `Terminus ran it once per request (${int(b.baseline.requests)})\n`,
  );
  details.snapshotVsTerminus = { ...b, slowRuns: { runs, windowMs, bound } };
  rows.push({
    key: 'snapshot',
    measure: '(b) 3 indicators (one 20 ms): snapshot vs Terminus per-request checks, 10 connections',
    target: '≥ 8× req/s, 20 ms check ≤ window/1 s + 1 runs',
    result: `${times(b.rpsRatio)} req/s, the 20 ms check ran ${runs} times (bound ${bound})`,
    pass: b.rpsRatio >= 8 && runs <= bound && b.subject.failures === 0,
  });
  await Promise.all([servers.release('terminus'), servers.release('snapshot')]);
  return rows;
}

async function pair(baseline, subject, options) {
  for (const server of [baseline, subject]) await load(server.url + READINESS_PATH, { seconds: 1, connections: options.connections });
  return comparePaired(
    { server: baseline, url: baseline.url + READINESS_PATH },
    { server: subject, url: subject.url + READINESS_PATH },
    options,
  );
}
