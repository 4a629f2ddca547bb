import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ChildHandle, freePorts, tempDir, waitFor } from './processes.js';

export interface HaproxyServer {
  name: string;
  mqttPort: number;
  healthPort: number;
  agentPort: number;
}

export interface ServerState {
  /** HAProxy's status column: UP, DOWN, DRAIN, "UP 1/2"... */
  status: string;
  weight: number;
}

/**
 * A real haproxy in front of brokers on 127.0.0.1, with the checks of deploy/haproxy/haproxy.cfg
 * (httpchk on readiness + agent-check) at a short interval, and an admin socket to read its view.
 */
export class Haproxy {
  private handle?: ChildHandle;
  protected readonly dir = tempDir('haproxy-');
  readonly socket = join(this.dir.path, 'admin.sock');
  mqttPort = 0;

  constructor(
    protected readonly servers: HaproxyServer[],
    readonly checkIntervalMs = 500,
  ) {}

  async start(): Promise<void> {
    [this.mqttPort] = await freePorts(1);
    const config = join(this.dir.path, 'haproxy.cfg');
    writeFileSync(config, await this.config());
    this.handle = new ChildHandle(spawn('haproxy', ['-db', '-f', config], { stdio: 'pipe' }));
    await waitFor(async () => !this.handle!.running || (await this.state()).size === this.servers.length, 10_000, 'haproxy to start');
    if (!this.handle.running) throw new Error(`haproxy exited:\n${this.handle.log}`);
  }

  /** The configuration to run: it must bind 127.0.0.1:mqttPort, open the admin socket and name the backend mqtt_backend. */
  protected async config(): Promise<string> {
    return [
      'global',
      `  stats socket ${this.socket} mode 600 level admin`,
      'defaults',
      '  mode tcp',
      '  timeout connect 2s',
      '  timeout client 60s',
      '  timeout server 60s',
      'frontend mqtt_frontend',
      `  bind 127.0.0.1:${this.mqttPort}`,
      '  default_backend mqtt_backend',
      'backend mqtt_backend',
      '  balance roundrobin',
      '  option httpchk',
      '  http-check send meth GET uri /api/v1/health/readiness',
      ...this.servers.map(
        (s) =>
          `  server ${s.name} 127.0.0.1:${s.mqttPort} check port ${s.healthPort} inter ${this.checkIntervalMs} fall 2 rise 2 ` +
          `agent-check agent-port ${s.agentPort} agent-inter ${this.checkIntervalMs} weight 100`,
      ),
      '',
    ].join('\n');
  }

  /** Each server's status and effective weight, from `show stat` on the admin socket. */
  async state(): Promise<Map<string, ServerState>> {
    const csv = await this.command('show stat');
    const [header, ...rows] = csv.trim().split('\n');
    const columns = header.replace(/^# /, '').split(',');
    const at = (name: string) => columns.indexOf(name);
    const state = new Map<string, ServerState>();
    for (const row of rows) {
      const cells = row.split(',');
      if (cells[at('pxname')] !== 'mqtt_backend' || ['FRONTEND', 'BACKEND'].includes(cells[at('svname')])) continue;
      state.set(cells[at('svname')], { status: cells[at('status')], weight: Number(cells[at('weight')]) });
    }
    return state;
  }

  command(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.socket);
      let reply = '';
      socket.on('data', (data) => (reply += data.toString()));
      socket.on('end', () => resolve(reply));
      socket.on('error', reject);
      socket.end(`${line}\n`);
    });
  }

  get log(): string {
    return this.handle?.log ?? '';
  }

  async stop(): Promise<void> {
    await this.handle?.kill();
    this.dir.remove();
  }
}
