import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { freePort } from './processes.js';

/**
 * The README's fault matrix is written from what the fault tests observe: each test starts its
 * broker with `faultMatrixEnv()`, injects the fault, waits for the state it expects, and calls
 * `recordFault()`. `scripts/fault-matrix.mjs` turns the observations into the README table.
 */
export const OBSERVATIONS_DIR = resolve('test/.fault-matrix');

/** Environment for a broker whose every probe convention and agent-check port the matrix reads. */
export async function faultMatrixEnv(): Promise<Record<string, string>> {
  return { HEALTH_VIEWS: 'hivemq,fluxmq,kubernetes,zeebe@/zeebe', HEALTH_AGENT_PORT: String(await freePort()) };
}

export interface FaultObservation {
  /** The fault as the README names it ("Redis killed"). */
  readonly fault: string;
  /** Sort order in the table. */
  readonly order: number;
  /** Milliseconds from the fault to the state observed; undefined when nothing had to change. */
  readonly detectedInMs?: number;
  readonly answers: Record<string, string>;
}

interface ProbedBroker {
  readonly healthPort: number;
  readonly env: Record<string, string>;
}

/** Reads every view of `broker` now and stores the answers under `fault`. */
export async function recordFault(fault: string, order: number, broker: ProbedBroker, detectedInMs?: number): Promise<FaultObservation> {
  const port = broker.healthPort;
  const answers: Record<string, string> = {
    'HiveMQ /health': await json(port, '/api/v1/health'),
    'HiveMQ readiness': await json(port, '/api/v1/health/readiness'),
    'FluxMQ /ready': await json(port, '/ready', (body) => String((body as { status?: string }).status)),
    'Kubernetes /readyz': await json(port, '/readyz', (body) => String((body as { status?: string }).status)),
    'Kubernetes /livez': await json(port, '/livez', (body) => String((body as { status?: string }).status)),
    'Zeebe /health': await empty(port, '/zeebe/health'),
    'agent-check': await agentReply(Number(broker.env.HEALTH_AGENT_PORT)),
  };
  const observation: FaultObservation = { fault, order, detectedInMs, answers };
  mkdirSync(OBSERVATIONS_DIR, { recursive: true });
  writeFileSync(
    resolve(OBSERVATIONS_DIR, `${fault.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}.json`),
    `${JSON.stringify(observation, null, 2)}\n`,
  );
  return observation;
}

async function json(
  port: number,
  path: string,
  summary = (body: unknown) => String((body as { status?: string }).status),
): Promise<string> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2000) });
    return `${response.status} ${summary(await response.json())}`;
  } catch (error) {
    return `no answer (${(error as Error).name})`;
  }
}

async function empty(port: number, path: string): Promise<string> {
  try {
    return String((await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2000) })).status);
  } catch (error) {
    return `no answer (${(error as Error).name})`;
  }
}

/** The agent-check line without its `#reason`, which names components. */
function agentReply(port: number): Promise<string> {
  if (!port) return Promise.resolve('off');
  return new Promise((done) => {
    let text = '';
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('data', (chunk) => (text += chunk));
    socket.on('error', () => done('no answer'));
    socket.on('close', () => done(text.trim().split(' #')[0] || 'no answer'));
  });
}
