// The fleet health table of bench/fleet/run.js, and which of its rows miss a target.

const fixed = (x, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : '-');

/** Rows that miss: a change seen late or never, a delivery missing or twice, a request failed. */
export function healthMisses(rows) {
  return rows.filter(
    (r) =>
      r.missed ||
      !(r.visibleMaxMs <= 2 * r.refreshMs) ||
      r.mqtt.missing ||
      r.mqtt.duplicated ||
      r.mqtt.received !== r.mqtt.changes ||
      r.failed ||
      r.fleetStatus !== 200,
  );
}

/** `, not UP in some: cluster 3` when summaries also had components other than the bench's not UP. */
function alsoFailing(counts) {
  const entries = Object.entries(counts);
  return entries.length ? ` (not UP in some: ${entries.map(([name, count]) => `${name} ${count}`).join(', ')})` : '';
}

export function printHealthTable(rows, { heartbeatMs, log = console.log }) {
  if (rows.length === 0) return;
  const refreshMs = rows[0].refreshMs;
  const intervals = (ms) => fixed(ms / refreshMs, 2);
  const head = [
    'N',
    'change → visible max ms (refresh)',
    'median ms (refresh)',
    'broker /fleet max ms',
    'cmd/s/member',
    'sent/s/member',
    'redis CPU ms/s',
    '/fleet B',
    '/fleet CPU µs',
    'readiness CPU µs',
    '/fleet ÷ readiness',
    'MQTT changes/received',
  ];
  const lines = rows.map((r) => [
    String(r.n),
    `${fixed(r.visibleMaxMs)} (${intervals(r.visibleMaxMs)})${r.missed ? ` ${r.missed} missed` : ''}`,
    `${fixed(r.visibleMedianMs)} (${intervals(r.visibleMedianMs)})`,
    fixed(r.brokerMaxMs),
    fixed(r.commandsPerMemberSecond, 2),
    fixed(r.sentPerMemberSecond, 2),
    fixed(r.redisCpuMsPerSecond, 1),
    String(r.fleetBytes),
    fixed(r.fleetMicros, 1),
    fixed(r.readinessMicros, 1),
    fixed(r.ratio, 2),
    `${r.mqtt.changes}/${r.mqtt.received}` +
      (r.mqtt.missing || r.mqtt.duplicated ? ` (${r.mqtt.missing} missing, ${r.mqtt.duplicated} twice)` : ''),
  ]);
  const all = [head, ...lines];
  const widths = head.map((_, i) => Math.max(...all.map((l) => l[i].length)));
  const fmt = (l) => '| ' + l.map((cell, i) => cell.padStart(widths[i])).join(' | ') + ' |';
  log(`\nfleet health (HEARTBEAT_MS=${heartbeatMs}, refresh interval ${refreshMs} ms)`);
  log(fmt(head));
  log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const l of lines) log(fmt(l));
  for (const r of rows) {
    const calls = Object.entries(r.byCommand)
      .map(([name, calls]) => `${name} ${fixed(calls / (r.n - 1) / r.seconds, 2)}`)
      .join(', ');
    log(
      `  N=${r.n}: per member per second, Redis calls ${calls} (script-internal included); ` +
        `summaries shared ${r.mqtt.changes} for ${r.changes} changes${alsoFailing(r.mqtt.alsoFailing)}; ` +
        `$SYS/fleet/health ${r.mqtt.fleetMessages} messages, other nodes ${r.mqtt.others}; ` +
        `/fleet ${r.fleetStatus} ${r.fleetVerdict} ${fixed(r.fleetRps)} req/s, readiness ${fixed(r.readinessRps)} req/s (${r.readinessBytes} B), ` +
        `broker idle ${fixed(r.idleShare * 100, 1)} % of a core, ${r.failed} failed, other processes up to ${fixed(r.foreignMax * 100)} % of a core (pairs measured again: ${r.retries}); status change → shared median ${fixed(r.shareMedianMs)} ms`,
    );
  }
  log(
    `\nchange → visible: a member's bench component turned DOWN or UP, from the summary it shares to every other member's fleet view ` +
      `giving that status (in-process members: their FleetSnapshot through fleet$; the demo broker process: GET /fleet/<id> every 20 ms), ` +
      `max/median over observers and ${rows[0].changes} changes; target ≤ 2 refresh intervals (${2 * refreshMs} ms).\n` +
      `cmd/s/member: Redis round trips in steady state, N − 1 simulated members before the broker joins (INFO commandstats, script-internal ` +
      `calls excluded); sent: the same counted on the members' connections.\n/fleet B: the body of GET /api/v1/health/fleet on the demo ` +
      `broker (N members); CPU µs per request of /fleet and of readiness on that broker (pinned to its own core, all threads, idle rate ` +
      `taken off), medians of alternating rounds; ÷: the median of the per-pair ratios.\nMQTT: summaries the simulated members shared ` +
      `vs live messages a $SYS/+/health subscriber on the broker received for them (each once: none missing, none twice).`,
  );
}
