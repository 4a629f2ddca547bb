// The fleet's health at N members: N - 1 simulated members (health-member.js) and one real demo broker
// process. Measures Redis commands per member in steady state (before the broker joins), then how soon a
// member's status change shows in every other member's fleet view (in process: its FleetSnapshot; the
// broker: GET /fleet/<id>), whether an MQTT subscriber on the broker gets each change once, the /fleet
// body size, and the broker's CPU per /fleet request against a readiness probe.
import { setTimeout as sleep } from 'node:timers/promises';
import { pinSelf, PINNED, startBroker } from './broker-process.js';
import { fleetCost, FLEET_PATH, READINESS_PATH } from './fleet-cost.js';
import { startHealthMember, refreshIntervalMs } from './health-member.js';
import { compareDeliveries, markDeliveries, subscribeHealth } from './health-sys.js';
import { counterDelta, redisCounters } from './redis.js';

const BROKER_ID = 'node-broker';

async function until(ok, timeoutMs, what, everyMs = 20) {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)];
};

/** Every in-process member sees `size` members, and none of them in another status than UP. */
const allSee = (members, size) => () =>
  members.every((m) => {
    const fleet = m.health.fleet();
    return fleet.members.length === size && fleet.members.every((x) => x.status === 'UP' || x.node === BROKER_ID);
  });

/**
 * Turns `victim`'s bench component to `status`; times from the summary it shares (t0) to each other
 * member's fleet view giving it that status: the in-process ones through fleet$, the broker by polling
 * its /fleet/<id> every 20 ms.
 */
async function timeChange(victim, status, observers, broker, timeoutMs) {
  const shareMark = victim.shares.length;
  const flippedAt = performance.now();
  const seen = new Map();
  const watch = observers.map((observer) => {
    const check = () => {
      if (!seen.has(observer) && observer.statusOf(victim.id) === status) seen.set(observer, performance.now());
    };
    const subscription = observer.health.fleet$.subscribe(check);
    check();
    return subscription;
  });
  let brokerAt;
  const polling = (async () => {
    while (brokerAt === undefined && performance.now() - flippedAt < timeoutMs) {
      const answer = await broker.get(`${FLEET_PATH}/${victim.id}`, 1000).catch(() => undefined);
      if (answer?.json?.status === status) brokerAt = performance.now();
      else await sleep(20);
    }
  })();
  victim.bench.status = status;
  await until(
    () => (victim.shares.length > shareMark && seen.size === observers.length) || performance.now() - flippedAt > timeoutMs,
    timeoutMs + 1000,
    'views',
    5,
  );
  await polling;
  for (const subscription of watch) subscription.unsubscribe();
  const shared = victim.shares.slice(shareMark).find((s) => s.status === status);
  if (!shared) return { times: [], missed: observers.length + 1, shareMs: NaN };
  const times = [...seen.values(), ...(brokerAt === undefined ? [] : [brokerAt])].map((t) => Math.max(0, t - shared.at));
  return {
    times,
    brokerMs: brokerAt === undefined ? NaN : brokerAt - shared.at,
    missed: observers.length + 1 - times.length,
    shareMs: shared.at - flippedAt,
  };
}

/** Runs one fleet of `n` members; returns its row. */
export async function runHealthFleet({ redis, n, heartbeatMs, windowMs, changes, cost, log }) {
  await redis.admin.flushall();
  const refreshMs = refreshIntervalMs(heartbeatMs);
  const started = Date.now();
  const members = [];
  for (let i = 0; i < n - 1; i += 25) {
    const batch = Array.from({ length: Math.min(25, n - 1 - i) }, (_, j) => `node-${String(i + j).padStart(3, '0')}`);
    members.push(...(await Promise.all(batch.map((id) => startHealthMember({ url: redis.url, id, heartbeatMs })))));
  }
  let broker;
  let subscriber;
  try {
    await until(allSee(members, n - 1), 30 * heartbeatMs, `${n - 1} members to see each other UP`);
    log(`  fleet health N=${n}: ${n - 1} members formed in ${Date.now() - started} ms; steady window ${windowMs} ms`);
    await sleep(heartbeatMs);

    const before = await redisCounters(redis.admin);
    const sent0 = members.reduce((sum, m) => sum + m.sent.commands, 0);
    const t0 = performance.now();
    await sleep(windowMs);
    const seconds = (performance.now() - t0) / 1000;
    const steady = counterDelta(before, await redisCounters(redis.admin));
    const sent = members.reduce((sum, m) => sum + m.sent.commands, 0) - sent0;

    broker = await startBroker({ redisUrl: redis.url, nodeId: BROKER_ID, heartbeatMs });
    const brokerSees = async () => (await broker.get(FLEET_PATH).catch(() => undefined))?.json?.quorum?.members === n;
    await until(async () => allSee(members, n)() && (await brokerSees()), 30 * heartbeatMs, `the broker to join the ${n}-member fleet`, 50);
    subscriber = await subscribeHealth(broker.mqttUrl);
    await sleep(2 * refreshMs);
    const mark = markDeliveries(members, subscriber);

    const trials = [];
    let victim;
    for (let k = 0; k < changes; k++) {
      await sleep(Math.random() * refreshMs);
      if (k % 2 === 0) victim = members[1 + Math.floor(Math.random() * (members.length - 1))];
      const observers = members.filter((m) => m !== victim);
      trials.push(await timeChange(victim, k % 2 === 0 ? 'DOWN' : 'UP', observers, broker, 20 * refreshMs));
    }
    // Messages still on their way arrive well within this.
    await sleep(4 * refreshMs);
    const mqtt = compareDeliveries(members, subscriber, mark);

    const fleetAnswer = await broker.get(FLEET_PATH);
    const readinessAnswer = await broker.get(READINESS_PATH);
    pinSelf(true, [redis.pid]);
    let costs;
    try {
      costs = await fleetCost(broker, cost);
    } finally {
      pinSelf(false, [redis.pid]);
    }
    const times = trials.flatMap((t) => t.times);
    return {
      n,
      refreshMs,
      seconds,
      commandsPerMemberSecond: steady.topLevel / (n - 1) / seconds,
      sentPerMemberSecond: sent / (n - 1) / seconds,
      byCommand: steady.byCommand,
      redisCpuMsPerSecond: (steady.cpuSeconds * 1000) / seconds,
      visibleMaxMs: times.length ? Math.max(...times) : NaN,
      visibleMedianMs: median(times),
      brokerMaxMs: Math.max(...trials.map((t) => t.brokerMs)),
      shareMedianMs: median(trials.map((t) => t.shareMs)),
      missed: trials.reduce((sum, t) => sum + t.missed, 0),
      changes: trials.length,
      mqtt,
      fleetStatus: fleetAnswer.status,
      fleetVerdict: fleetAnswer.json?.status,
      fleetBytes: Buffer.byteLength(fleetAnswer.text),
      readinessBytes: Buffer.byteLength(readinessAnswer.text),
      pinned: PINNED,
      ...costs,
    };
  } finally {
    await subscriber?.close().catch(() => undefined);
    await broker?.stop();
    await Promise.all(members.map((m) => m.stop().catch(() => undefined)));
  }
}
