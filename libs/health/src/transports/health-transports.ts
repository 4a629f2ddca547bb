import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AgentCheckServer } from './agent-check.server.js';
import { HealthListeners } from './health-listeners.js';

/**
 * Opens the module's own sockets (dedicated listeners, then the agent-check port) at bootstrap and
 * closes them last, after the drain. Each transport opens and closes itself; this only orders them.
 */
@Injectable()
export class HealthTransports implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly listeners: HealthListeners,
    private readonly agentCheck: AgentCheckServer,
  ) {}

  /** If one cannot listen, closes those already open: Nest runs no shutdown hook after a failed boot. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.listeners.open();
      await this.agentCheck.open();
    } catch (error) {
      await this.onApplicationShutdown();
      throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.listeners.close(), this.agentCheck.close()]);
  }
}
