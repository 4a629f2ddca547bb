import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { HealthEngine } from '../engine/health-engine.js';
import { errorText } from '../errors/error-text.js';
import { HealthError } from '../errors/health.errors.js';
import { LISTENER_FAILED } from '../errors/messages.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import type { HealthConfig } from '../options/health-config.js';
import { DEFAULT_MAX_CONNECTIONS } from '../options/transport-options.js';
import { haproxyAgentReply } from '../views/haproxy-agent.view.js';
import { ConnectionSlots, LISTEN_BACKLOG, type SlotHolder } from './connection-slots.js';

/** How long a check connection may stay open, answered or not, whatever its client does. */
const CHECK_DEADLINE_MS = 2_000;

/**
 * A TCP port answering HAProxy's `agent-check`: one line from the latest snapshot, then close.
 * Whatever HAProxy sends (`agent-send`) is read and ignored. Held connections never stall an answer:
 * past DEFAULT_MAX_CONNECTIONS the oldest answered ones are closed (ConnectionSlots).
 */
@Injectable()
export class AgentCheckServer {
  private readonly logger = new Logger('Health');
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly slots = new ConnectionSlots(DEFAULT_MAX_CONNECTIONS);

  constructor(
    private readonly engine: HealthEngine,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
  ) {}

  async open(): Promise<void> {
    const { enabled, port, bindAddress } = this.config.agentCheck;
    if (!enabled) return;
    const server = createServer((socket) => this.reply(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => {
        server.close();
        reject(new HealthError(LISTENER_FAILED('haproxy-agent', bindAddress, port, errorText(error))));
      });
      server.listen(port, bindAddress, LISTEN_BACKLOG, () => resolve());
    });
    server.on('error', (error) => this.logger.error(`HAProxy agent: ${errorText(error)}`));
    this.server = server;
    this.logger.log(`HAProxy agent-check on ${bindAddress}:${this.port}`);
  }

  /** The bound port (the real one when 0 was configured); undefined when disabled. */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private reply(socket: Socket): void {
    // HAProxy opens one short connection per check and server: the slots keep a flood from taking MQTT's descriptors.
    const check: SlotHolder & { busy: boolean } = { busy: false, close: () => socket.destroy() };
    const slot = this.slots.admit(check);
    const deadline = setTimeout(() => socket.destroy(), CHECK_DEADLINE_MS);
    this.sockets.add(socket);
    socket.on('close', () => {
      this.sockets.delete(socket);
      slot.release();
      clearTimeout(deadline);
    });
    socket.on('error', () => socket.destroy());
    socket.resume();
    const snapshot = this.engine.forProbe();
    if (!(snapshot instanceof Promise)) return void socket.end(haproxyAgentReply(snapshot, this.config));
    check.busy = true;
    void snapshot.then((s) => {
      check.busy = false;
      socket.end(haproxyAgentReply(s, this.config));
    });
  }
}
