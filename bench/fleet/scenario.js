// One fleet of N members in one design: form it, measure a steady window, time the cluster component,
// then kill members one by one and time how soon the others see each death.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { startMember } from './member.js';
import { counterDelta, redisCounters } from './redis.js';

async function until(ok, timeoutMs, what, everyMs = 20) {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)];
};

/**
 * Microseconds per check() of the cluster indicator (median over up to 10 members, yielding between
 * them so heartbeats are not held up) and the size of its JSON, from a member whose cluster is UP.
 */
async function timeComponent(members, calls) {
  const perMember = [];
  for (const member of members.slice(0, 10)) {
    member.indicator.check();
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) member.indicator.check();
    perMember.push(Number(process.hrtime.bigint() - start) / 1000 / calls);
    await sleep(1);
  }
  const components = members.map((m) => m.indicator.check());
  const notUp = components.filter((c) => c.status !== 'UP').length;
  const body = JSON.stringify(components.find((c) => c.status === 'UP') ?? components[0]);
  return { buildMicros: median(perMember), bodyBytes: Buffer.byteLength(body), notUp };
}

/** Kills one member at a random moment and polls every observer until it reports the victim unreachable. */
async function timeDeath(members, heartbeatMs, first) {
  await sleep(Math.random() * heartbeatMs);
  const alive = members.filter((m) => m.alive);
  const victim = alive[1 + Math.floor(Math.random() * (alive.length - 1))];
  const observers = alive.filter((m) => m !== victim);
  const times = new Map();
  let degraded = 0;
  const killedAt = performance.now();
  victim.kill();
  const deadline = killedAt + 10 * heartbeatMs;
  while (times.size < observers.length && performance.now() < deadline) {
    await sleep(10);
    const now = performance.now();
    for (const observer of observers) {
      if (times.has(observer)) continue;
      // The health component's rule: a peer whose reachable flag is false (peers()) makes it DEGRADED.
      if (observer.membership.peers().find((p) => p.id === victim.id)?.reachable !== false) continue;
      times.set(observer, now - killedAt);
      if (first && observer.indicator.check().status === 'DEGRADED') degraded++;
    }
  }
  const missed = observers.length - times.size;
  return { times: [...times.values()], missed, degradedOk: !first || degraded === times.size };
}

/** Runs one fleet; returns its row. */
export async function runFleet({ redis, mode, n, heartbeatMs, windowMs, kills, log }) {
  await redis.admin.flushall();
  const started = Date.now();
  const members = [];
  // A few at a time: 3 connections each.
  for (let i = 0; i < n; i += 25) {
    const batch = Array.from({ length: Math.min(25, n - i) }, (_, j) => `node-${String(i + j).padStart(3, '0')}`);
    members.push(...(await Promise.all(batch.map((id) => startMember({ url: redis.url, id, mode, heartbeatMs })))));
  }
  const formed = () => members.every((m) => m.indicator.check()?.status === 'UP' && m.membership.peers().length === n - 1);
  await until(formed, 20 * heartbeatMs, `${n} members to see each other`);
  const leaders = members.filter((m) => m.membership.isLeader).length;
  log(`  ${mode} N=${n}: formed in ${Date.now() - started} ms (${leaders} leader); steady window ${windowMs} ms`);
  await sleep(heartbeatMs);

  // Steady window: Redis counters, deliveries, this process's CPU and event-loop delay, and any member not UP.
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const before = await redisCounters(redis.admin);
  const received0 = members.reduce((sum, m) => sum + m.received.messages, 0);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  delay.enable();
  let notUp = 0;
  let samples = 0;
  while (performance.now() - t0 < windowMs) {
    await sleep(100);
    for (const m of members) {
      samples++;
      if (m.indicator.check()?.status !== 'UP') notUp++;
    }
  }
  delay.disable();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const redisDelta = counterDelta(before, await redisCounters(redis.admin));
  const received = members.reduce((sum, m) => sum + m.received.messages, 0) - received0;
  const perMemberSecond = (x) => x / n / seconds;
  const component = await timeComponent(members, n >= 100 ? 1000 : 3000);

  const deaths = [];
  for (let k = 0; k < kills; k++) deaths.push(await timeDeath(members, heartbeatMs, k === 0));
  const times = deaths.flatMap((d) => d.times);
  await Promise.all(members.map((m) => m.stop()));
  return {
    mode,
    n,
    seconds,
    detectMaxMs: times.length ? Math.max(...times) : NaN,
    detectMedianMs: median(times),
    missed: deaths.reduce((sum, d) => sum + d.missed, 0),
    degradedOk: deaths.every((d) => d.degradedOk),
    commandsPerMemberSecond: perMemberSecond(redisDelta.topLevel),
    scriptCallsPerMemberSecond: perMemberSecond(redisDelta.inScripts),
    byCommand: redisDelta.byCommand,
    deliveriesPerMemberSecond: perMemberSecond(received),
    redisCpuMsPerSecond: (redisDelta.cpuSeconds * 1000) / seconds,
    redisOutBytesPerMemberSecond: perMemberSecond(redisDelta.outBytes),
    cpuMicrosPerMemberSecond: perMemberSecond(cpu.user + cpu.system),
    loopDelayP99Ms: delay.percentile(99) / 1e6,
    notUpSamples: notUp + component.notUp,
    samples: samples + n,
    buildMicros: component.buildMicros,
    bodyBytes: component.bodyBytes,
  };
}
