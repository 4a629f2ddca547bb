import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ChildHandle, waitFor } from '../support/processes.js';

const SCRIPT = resolve('test/probes/listener-process.mjs');

export interface ListenerChildOptions {
  checkMode?: 'background' | 'on-request';
  views?: string[];
  agentCheck?: boolean;
}

/** The health listener in a process of its own (test/probes/listener-process.mjs), so its memory is its own. */
export class ListenerChild extends ChildHandle {
  private constructor(
    child: ReturnType<typeof spawn>,
    readonly port: number,
    readonly agentPort: number | null,
  ) {
    super(child);
  }

  static async start(options: ListenerChildOptions = {}): Promise<ListenerChild> {
    const child = spawn(process.execPath, ['--expose-gc', SCRIPT, JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { PATH: process.env.PATH },
    });
    let first = '';
    child.stdout!.on('data', (chunk: Buffer) => (first += chunk.toString()));
    const line = await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`listener process exited ${child.exitCode}`);
        return first.includes('\n') ? first.split('\n')[0] : undefined;
      },
      20_000,
      'the listener process to report its port',
    );
    const { port, agentPort } = JSON.parse(line) as { port: number; agentPort: number | null };
    return new ListenerChild(child, port, agentPort);
  }

  /** Resident memory in bytes, after a full garbage collection: what the process holds, not garbage V8 has not collected yet. */
  async rssAfterGc(): Promise<number> {
    await new Promise<void>((done) => {
      this.child.once('message', () => done());
      this.child.send('gc');
    });
    const line = readFileSync(`/proc/${this.child.pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'))!;
    return Number(line.split(/\s+/)[1]) * 1024;
  }
}
