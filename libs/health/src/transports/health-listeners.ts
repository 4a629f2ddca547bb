import type { AddressInfo } from 'node:net';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { errorText } from '../errors/error-text.js';
import { HealthError } from '../errors/health.errors.js';
import { LISTENER_FAILED } from '../errors/messages.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import type { HealthConfig } from '../options/health-config.js';
import type { ListenerDefinition } from '../options/transport-options.js';
import { LISTEN_BACKLOG } from './connection-slots.js';
import { HealthListener } from './health-listener.js';
import { HealthRequestHandler } from './health-request.handler.js';
import { listenerRouter, type ViewRouter } from './view-router.js';

/** A configured listener and its router, built with the module. */
interface PlannedListener {
  readonly definition: ListenerDefinition;
  readonly router: ViewRouter;
}

export interface BoundListener {
  name: string;
  address: string;
  port: number;
  /** `http://127.0.0.1:8889`, an IPv6 address in brackets (`http://[::1]:8889`). */
  url: string;
}

/**
 * The dedicated HTTP listeners, outside the host app's pipeline, so a busy host app, its guards or
 * its request log never touch a probe. Bounded against slow or abusive clients (see HealthListener).
 * Their routers are built with the module, so a route collision fails the boot.
 */
@Injectable()
export class HealthListeners {
  private readonly logger = new Logger('Health');
  private readonly planned: PlannedListener[];
  private readonly listening: { definition: ListenerDefinition; listener: HealthListener }[] = [];

  constructor(
    private readonly handler: HealthRequestHandler,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
  ) {
    const { enabled, listeners } = config.healthApi;
    this.planned = enabled ? listeners.map((definition) => ({ definition, router: listenerRouter(definition) })) : [];
  }

  /** Opens every listener in turn; throws (naming the listener) on the first that cannot listen. */
  async open(): Promise<void> {
    for (const planned of this.planned) await this.listen(planned);
  }

  async close(): Promise<void> {
    await Promise.all(this.listening.splice(0).map(({ listener }) => listener.close()));
  }

  /** Where each listener is bound (the real port when 0 was configured). */
  bound(): BoundListener[] {
    return this.listening.map(({ definition, listener }) => boundListener(definition.name, listener.server.address() as AddressInfo));
  }

  private async listen({ definition, router }: PlannedListener): Promise<void> {
    const listener = new HealthListener(router, this.handler, this.config, definition.maxConnections);
    const server = listener.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) =>
        reject(new HealthError(LISTENER_FAILED(definition.name, definition.bindAddress, definition.port, errorText(error)))),
      );
      server.listen(definition.port, definition.bindAddress, LISTEN_BACKLOG, () => resolve());
    });
    server.on('error', (error) => this.logger.error(`Health listener "${definition.name}": ${errorText(error)}`));
    this.listening.push({ definition, listener });
    const { url } = boundListener(definition.name, server.address() as AddressInfo);
    this.logger.log(`Health listener "${definition.name}" on ${url} serving ${router.paths().join(' ')}`);
  }
}

function boundListener(name: string, { address, port }: AddressInfo): BoundListener {
  return { name, address, port, url: `http://${address.includes(':') ? `[${address}]` : address}:${port}` };
}
