import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { ChildHandle, freePorts, tempDir, waitFor } from './processes.js';

const MAIN = resolve('apps/broker/dist/main.js');

export interface HealthAnswer {
  status: number;
  body: any;
}

export interface BrokerProcessOptions {
  env?: Record<string, string>;
  /** Wait until readiness answers 200 (default), or only until the health API answers at all. */
  waitFor?: 'ready' | 'health';
  /** Starts the broker under `ulimit -n <openFiles>`. */
  openFiles?: number;
}

/** The demo broker (apps/broker/dist/main.js) as a child process on free ports. */
export class BrokerProcess extends ChildHandle {
  private constructor(
    child: ReturnType<typeof spawn>,
    readonly mqttPort: number,
    readonly healthPort: number,
    readonly env: Record<string, string>,
  ) {
    super(child);
  }

  static async start(options: BrokerProcessOptions = {}): Promise<BrokerProcess> {
    // A port the test already picked (HEALTH_AGENT_PORT, a TLS or WebSocket port) may be free again by now: never reuse it.
    const given = Object.entries(options.env ?? {})
      .filter(([name]) => name.endsWith('_PORT'))
      .map(([, value]) => Number(value));
    const [mqttPort, healthPort] = await freePorts(2, given);
    const data = options.env?.DATA_DIR ? undefined : tempDir('broker-data-');
    const env: Record<string, string> = {
      MQTT_BIND: '127.0.0.1',
      MQTT_PORT: String(mqttPort),
      HEALTH_PORT: String(healthPort),
      HEALTH_BIND: '127.0.0.1',
      // Several brokers run at once: no fixed agent-check port unless a test asks for one.
      HEALTH_AGENT_PORT: '0',
      DATA_DIR: data?.path ?? '',
      DRAIN_MS: '0',
      LOG_LEVEL: 'info',
      ...options.env,
    };
    const [command, args] = options.openFiles
      ? ['sh', ['-c', `ulimit -n ${options.openFiles} && exec "$0" "$1"`, process.execPath, MAIN]]
      : [process.execPath, [MAIN]];
    const child = spawn(command, args, { env: { PATH: process.env.PATH, ...env }, stdio: 'pipe' });
    const broker = new BrokerProcess(child, Number(env.MQTT_PORT), Number(env.HEALTH_PORT), env);
    void broker.exited.then(() => data?.remove());
    try {
      await waitFor(
        async () => {
          if (!broker.running) throw new Error(`broker exited:\n${broker.log}`);
          const answer = await broker.health('readiness');
          return options.waitFor === 'health' || answer.status === 200;
        },
        20_000,
        'the broker to become ready',
        100,
      );
    } catch (error) {
      await broker.kill();
      throw new Error(`${(error as Error).message}\n--- broker log ---\n${broker.log}`);
    }
    return broker;
  }

  get mqttUrl(): string {
    return `mqtt://127.0.0.1:${this.mqttPort}`;
  }

  /** GET /api/v1/health/<path>. */
  async health(path = ''): Promise<HealthAnswer> {
    const response = await fetch(`http://127.0.0.1:${this.healthPort}/api/v1/health${path ? `/${path}` : ''}`, {
      signal: AbortSignal.timeout(2000),
    });
    return { status: response.status, body: await response.json() };
  }
}

/** Stops every broker, even those a failed test left behind. */
export async function stopAll(brokers: Iterable<BrokerProcess | undefined>): Promise<void> {
  await Promise.all([...brokers].map((b) => b?.kill()));
}
