import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { faultMatrixEnv, recordFault } from '../support/fault-matrix.js';
import { connect as connectMqtt } from '../support/mqtt-clients.js';
import { ChildHandle } from '../support/processes.js';

/** The listener's default maxConnections. */
const CAP = 128;

let broker: BrokerProcess;
beforeAll(async () => {
  const env = await faultMatrixEnv();
  broker = await BrokerProcess.start({ env: { ...env, HEALTH_VIEWS: `${env.HEALTH_VIEWS},ui` } });
});
afterAll(() => stopAll([broker]));

let held: Socket[] = [];
let holding = false;
afterEach(() => {
  holding = false;
  for (const socket of held) socket.destroy();
  held = [];
});

interface ProbeResult {
  ok: boolean;
  status?: number;
  ms: number;
}

/** What the kubelet does: a fresh connection per probe, `Connection: close`, the answer within 1 s or a failure. */
function kubeletProbe(port: number, path = '/livez', deadlineMs = 1000): Promise<ProbeResult> {
  const startedAt = Date.now();
  return new Promise((resolve) => {
    let reply = '';
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => socket.destroy(), deadlineMs);
    socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    socket.on('data', (chunk) => (reply += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(reply)?.[1]) || undefined;
      resolve({ ok: status === 200 && reply.includes('\r\n\r\n'), status, ms: Date.now() - startedAt });
    });
  });
}

/** Probes every `everyMs` until `until` resolves; every result. */
async function probeUntil(until: Promise<unknown>, everyMs: number, probe = () => kubeletProbe(broker.healthPort)): Promise<ProbeResult[]> {
  let done = false;
  void until.finally(() => (done = true));
  const results: ProbeResult[] = [];
  while (!done) {
    results.push(await probe());
    await sleep(everyMs);
  }
  return results;
}

/** `count` keep-alive connections, each asking GET /livez every `everyMs` and reading its answers; each reconnects when closed. */
function holdKeepAlive(count: number, everyMs: number): void {
  holding = true;
  const open = () => {
    const socket = connect(broker.healthPort, '127.0.0.1');
    held.push(socket);
    const ask = () => socket.write('GET /livez HTTP/1.1\r\nHost: x\r\n\r\n');
    const timer = setInterval(ask, everyMs);
    socket.on('connect', ask);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      if (holding) setImmediate(open);
    });
  };
  for (let i = 0; i < count; i++) open();
}

/** The agent-check answer line, or `no answer` past the deadline. */
function agentReply(port: number, deadlineMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => socket.destroy(), deadlineMs);
    socket.on('data', (chunk) => (text += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text.trim() || 'no answer');
    });
  });
}

/** A thousand connections from another process: each sends a keep-alive probe and holds on, reconnecting when closed, for `ms`. */
const STORM = `
const net = require('node:net');
const [port, connections, ms] = process.argv.slice(1).map(Number);
const until = Date.now() + ms;
let opened = 0;
const open = () => {
  if (Date.now() > until) return;
  opened++;
  const socket = net.connect(port, '127.0.0.1');
  socket.on('connect', () => socket.write('GET /livez HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'));
  socket.on('data', () => undefined);
  socket.on('error', () => undefined);
  socket.on('close', () => setImmediate(open));
};
for (let i = 0; i < connections; i++) open();
setTimeout(() => { console.log(JSON.stringify({ opened })); process.exit(0); }, ms);
`;

/**
 * Connections from another process that each pipeline `path` as fast as the listener takes it and
 * never read an answer, reconnecting when closed, for `ms`.
 */
const NEVER_READING = `
const net = require('node:net');
const [port, connections, ms] = process.argv.slice(1, 4).map(Number);
const requests = Buffer.from(\`GET \${process.argv[4]} HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n\`.repeat(200));
const until = Date.now() + ms;
const open = () => {
  if (Date.now() > until) return;
  const socket = net.connect(port, '127.0.0.1');
  socket.pause();
  const pump = () => { while (!socket.destroyed && Date.now() < until) if (!socket.write(requests)) return void socket.once('drain', pump); };
  socket.on('connect', pump);
  socket.on('error', () => undefined);
  socket.on('close', () => setTimeout(open, 10));
};
for (let i = 0; i < connections; i++) open();
setTimeout(() => process.exit(0), ms);
`;

describe('a full health listener never refuses a probe', () => {
  it('answers every kubelet probe while 150 keep-alive connections hold the port and ask every 2 s', async () => {
    holdKeepAlive(CAP + 22, 2000);
    await sleep(1000);
    const probes = await probeUntil(sleep(5000), 150);
    await recordFault('Health port held by 128+ connections', 81, broker);
    expect(probes.length).toBeGreaterThan(15);
    expect(probes.filter((p) => !p.ok)).toEqual([]);
  }, 30_000);

  it('answers every kubelet probe during a 1,000-connection storm, and MQTT still connects', async () => {
    const storm = new ChildHandle(spawn(process.execPath, ['-e', STORM, String(broker.healthPort), '1000', '6000'], { stdio: 'pipe' }));
    await sleep(500);
    // What every view answers in the middle of the storm.
    const recorded = sleep(1500).then(() => recordFault('1,000-connection storm', 82, broker));
    const probes = await probeUntil(storm.exited, 100);
    await recorded;
    const { opened } = JSON.parse(storm.log) as { opened: number };
    expect(opened).toBeGreaterThan(1000);
    expect(probes.length).toBeGreaterThan(20);
    expect(probes.filter((p) => !p.ok)).toEqual([]);
    const client = await connectMqtt(broker.mqttUrl, { connectTimeout: 3000 });
    expect(client.connected).toBe(true);
    await client.endAsync();
  }, 30_000);

  it.each(['/readyz?verbose', '/api/v1/health/readiness?x=1'])(
    'answers every kubelet probe while 128 connections pipeline %s and never read',
    async (path) => {
      const attack = new ChildHandle(
        spawn(process.execPath, ['-e', NEVER_READING, String(broker.healthPort), String(CAP), '10000', path], { stdio: 'pipe' }),
      );
      await sleep(1000);
      const probes = await probeUntil(attack.exited, 150);
      expect(probes.length).toBeGreaterThan(20);
      expect(probes.filter((p) => !p.ok)).toEqual([]);
    },
    30_000,
  );

  it('gives HAProxy its agent answer while 150 sockets hold the agent-check port', async () => {
    const agentPort = Number(broker.env.HEALTH_AGENT_PORT);
    for (let i = 0; i < CAP + 22; i++) {
      const socket = connect(agentPort, '127.0.0.1');
      socket.pause();
      socket.on('error', () => undefined);
      held.push(socket);
    }
    await sleep(300);
    const replies: string[] = [];
    for (let i = 0; i < 10; i++) {
      replies.push(await agentReply(agentPort));
      await sleep(100);
    }
    expect(replies).toEqual(Array(10).fill(expect.stringMatching(/^up ready 100%/)));
  }, 20_000);

  it('keeps event streams out of the probe slots: 128 open streams close only each other', async () => {
    // Probe connections just under the cap: no new stream may close one of them.
    const probeConnections: Socket[] = [];
    for (let i = 0; i < CAP - 8; i++) {
      const socket = connect(broker.healthPort, '127.0.0.1');
      socket.on('connect', () => socket.write('GET /livez HTTP/1.1\r\nHost: x\r\n\r\n'));
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
      probeConnections.push(socket);
      held.push(socket);
    }
    const streams: { socket: Socket; events: number }[] = [];
    for (let i = 0; i < CAP; i++) {
      const socket = connect(broker.healthPort, '127.0.0.1');
      const stream = { socket, events: 0 };
      socket.on('connect', () => socket.write('GET /ui/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n'));
      socket.on('data', (chunk) => (stream.events += chunk.toString().split('event: state').length - 1));
      socket.on('error', () => undefined);
      streams.push(stream);
      held.push(socket);
      await sleep(5);
    }
    await sleep(1000);
    const probes: ProbeResult[] = [];
    for (let i = 0; i < 10; i++) probes.push(await kubeletProbe(broker.healthPort));
    expect(probes.filter((p) => !p.ok)).toEqual([]);
    // Every stream got its state; at most the stream cap of them are still open, the newest.
    expect(streams.filter((s) => s.events === 0)).toHaveLength(0);
    const open = streams.filter((s) => !s.socket.destroyed && s.socket.readyState === 'open');
    expect(open.length).toBeLessThanOrEqual(16);
    expect(open.length).toBeGreaterThan(0);
    expect(streams.slice(-open.length).every((s) => open.includes(s))).toBe(true);
    // ...and none of the probe connections was closed for them.
    expect(probeConnections.filter((s) => s.destroyed || s.readyState !== 'open')).toHaveLength(0);
  }, 30_000);
});
