// The dedicated listener against bare node:http answering the same bytes: readiness at 100 and 1000
// connections, then every built-in view's probe routes.
import { get, mirror, verifyAnswer } from './bench-apps.js';
import { comparePaired, load, measurePair, pairSummary, retryBudget } from './measure.js';
import { fixed, int, printComparison, printTable, times, verdict } from './report.js';
import { READINESS_PATH, SETTINGS } from './settings.js';

const INSTANT = { 'latency-ms': 0 };
/** The readiness body of the apps with the two instant indicators. */
export const TWO_INSTANT_READINESS = {
  status: 'UP',
  components: { 'instant-a': { status: 'UP', details: INSTANT }, 'instant-b': { status: 'UP', details: INSTANT } },
};

const BARE_LABEL = 'bare node:http, the same bytes (constant)';

export async function readinessRows(servers, details) {
  const [bare, listener] = await Promise.all([servers.get('bare'), servers.get('listener')]);
  const url = listener.url + READINESS_PATH;
  // The baseline answers the very status, headers and body the listener does: same bytes for the client to parse.
  await mirror(bare, READINESS_PATH, await verifyAnswer('listener', url, TWO_INSTANT_READINESS));
  await verifyAnswer('bare', bare.url + READINESS_PATH, TWO_INSTANT_READINESS);
  const sides = { baseline: { server: bare, url: bare.url + READINESS_PATH }, subject: { server: listener, url } };
  const labels = { baseline: BARE_LABEL, subject: 'HealthModule dedicated listener' };
  for (const side of Object.values(sides)) await load(side.url, { seconds: SETTINGS.warmupSeconds, connections: 100 });

  const narrow = await comparePaired(sides.baseline, sides.subject, SETTINGS.listener);
  const title = `GET ${READINESS_PATH} on the dedicated listener vs bare node:http`;
  printComparison(`${title}, ${SETTINGS.listener.connections} connections`, labels, narrow);
  details.listener = narrow;
  const wide = await comparePaired(sides.baseline, sides.subject, SETTINGS.wide);
  printComparison(`${title}, ${SETTINGS.wide.connections} connections`, labels, wide);
  details.listenerWide = wide;
  return [
    {
      key: 'listener-100',
      measure: `readiness on the dedicated listener vs bare node:http, ${SETTINGS.listener.connections} connections`,
      target: '≥ 0.95× req/s, p99 ≤ 1.2×',
      result: `${times(narrow.rpsRatio)} req/s, p99 ${times(narrow.p99Ratio)}, CPU µs/req ${times(narrow.cpuRatio)} (${fixed(narrow.subject.cpuUs)} vs ${fixed(narrow.baseline.cpuUs)})`,
      pass: narrow.rpsRatio >= 0.95 && narrow.p99Ratio <= 1.2 && narrow.subject.failures === 0,
    },
    {
      key: 'listener-1000',
      measure: `the same, ${SETTINGS.wide.connections} connections`,
      target: '0 errors, p99 ≤ 2×',
      result: `${wide.subject.failures} errors, p99 ${times(wide.p99Ratio)} (${fixed(wide.subject.p99, 1)} vs ${fixed(wide.baseline.p99, 1)} ms), ${times(wide.rpsRatio)} req/s, CPU ${times(wide.cpuRatio)}`,
      pass: wide.subject.failures === 0 && wide.p99Ratio <= 2,
    },
  ];
}

/** Each built-in view's probes; `listener` names the app's listener that serves it (see listener-apps.module.ts). */
const VIEW_ROUTES = [
  { view: 'FluxMQ', path: '/health', status: 200 },
  { view: 'FluxMQ', path: '/ready', status: 200 },
  { view: 'Kubernetes', path: '/livez', status: 200 },
  { view: 'Kubernetes', path: '/readyz', status: 200 },
  { view: 'Zeebe (under /zeebe)', path: '/zeebe/ready', status: 204 },
  { view: 'Zeebe (under /zeebe)', path: '/zeebe/health', status: 204 },
  { view: 'actuator', path: '/actuator/health/readiness', status: 200 },
  { view: 'terminus (own listener)', path: '/health', status: 200, listener: 'terminus' },
  { view: 'HiveMQ', path: READINESS_PATH, status: 200 },
];

export async function viewRows(servers, details) {
  const [bare, views] = await Promise.all([servers.get('bare'), servers.get('views')]);
  const { connections, rounds, seconds } = SETTINGS.views;
  const routes = [];
  for (const route of VIEW_ROUTES) {
    const listener = route.listener ?? 'main';
    const url = views.urls[listener] + route.path;
    const answer = await verifyAnswer('views', url, (_json, { statusCode }) => statusCode === route.status);
    // FluxMQ's and Terminus' /health differ: the baseline serves each under its listener's name.
    const barePath = `/${listener}${route.path}`;
    await mirror(bare, barePath, answer);
    if ((await get(bare.url + barePath)).body !== answer.body) throw new Error(`bare node:http does not mirror ${route.path}`);
    routes.push({
      ...route,
      subject: { server: views, url },
      baseline: { server: bare, url: bare.url + barePath },
      runs: [[], []],
      retried: 0,
    });
  }
  for (const route of routes) await load(route.subject.url, { seconds: 1, connections });
  await load(routes[0].baseline.url, { seconds: 1, connections });

  // Every route is paired with the baseline in every round; the order of routes and of each pair alternates.
  const budget = retryBudget(routes.length * rounds);
  for (let i = 0; i < rounds; i++) {
    for (const route of i % 2 === 0 ? routes : [...routes].reverse()) {
      const pair = await measurePair(route.baseline, route.subject, i % 2 === 1, { seconds, connections }, budget);
      route.runs[0].push(pair.baseline);
      route.runs[1].push(pair.subject);
      route.retried += pair.retried;
    }
  }
  const table = [
    ['view', 'route', 'req/s', 'baseline req/s', 'ratio', 'p99 ratio', 'CPU µs/req', 'CPU ratio', 'pairs', 'failed', 'target ≥ 0.9×'],
  ];
  details.views = {};
  for (const route of routes) {
    const result = pairSummary(...route.runs, route.retried);
    route.pass = result.rpsRatio >= 0.9 && result.subject.failures === 0;
    route.result = result;
    details.views[`${route.view} ${route.path}`] = result;
    table.push([
      route.view,
      route.path,
      int(result.subject.rps),
      int(result.baseline.rps),
      times(result.rpsRatio),
      times(result.p99Ratio),
      fixed(result.subject.cpuUs),
      times(result.cpuRatio),
      `${result.pairs.used}/${result.pairs.of}`,
      result.subject.failures,
      verdict(route.pass),
    ]);
  }
  console.log(`Every built-in view's probe routes on a dedicated listener vs bare node:http (the same bytes), ${connections} connections`);
  const retried = routes.reduce((sum, r) => sum + r.retried, 0);
  console.log(
    `  ${rounds} rounds × ${seconds} s per side, each route paired with the baseline in every round; ${retried} pairs measured again ` +
      '(other processes on the cores); ratios over the undisturbed pairs, or all when fewer than 2',
  );
  printTable(table, (column) => column > 1);
  console.log('');
  const cpu = routes.map((r) => r.result.cpuRatio);
  const worst = routes.reduce((a, b) => (b.result.rpsRatio < a.result.rpsRatio ? b : a));
  return [
    {
      key: 'views',
      measure: "every built-in view's probe routes vs bare node:http (9 routes, table above)",
      target: '≥ 0.9× req/s each',
      result:
        `${routes.filter((r) => r.pass).length}/${routes.length} ≥ 0.9×; lowest ${fixed(worst.result.rpsRatio, 3)}× (${worst.view} ${worst.path}); ` +
        `CPU µs/req ${times(Math.min(...cpu))}–${times(Math.max(...cpu))}`,
      pass: routes.every((r) => r.pass),
    },
  ];
}
