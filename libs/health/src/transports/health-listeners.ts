import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { errorText } from '../errors/error-text.js';
import { HealthError } from '../errors/health.errors.js';
import { LISTENER_FAILED } from '../errors/messages.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import type { HealthConfig } from '../options/health-config.js';
import type { ListenerDefinition } from '../options/transport-options.js';
import { jsonResponse, type ViewResponse } from '../views/view-response.js';
import { HealthRequestHandler } from './health-request.handler.js';
import { listenerRouter, type RouteMatch, type ViewRouter } from './view-router.js';
import { writeResponse } from './write-response.js';

interface Listener {
  readonly definition: ListenerDefinition;
  readonly router: ViewRouter;
}

export interface BoundListener {
  name: string;
  address: string;
  port: number;
}

const MAX_URL_LENGTH = 2048;
const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
};

/**
 * The dedicated HTTP listeners: plain node:http servers outside the host app's pipeline, so a
 * busy host app, its guards or its request log never touch a probe. Bounded against slow or
 * abusive clients. Their routers are built with the module, so a route collision fails the boot.
 */
@Injectable()
export class HealthListeners {
  private readonly logger = new Logger('Health');
  private readonly listeners: Listener[];
  private readonly servers: { definition: ListenerDefinition; server: Server }[] = [];

  constructor(
    private readonly handler: HealthRequestHandler,
    @Inject(HEALTH_CONFIG) config: HealthConfig,
  ) {
    const { enabled, listeners } = config.healthApi;
    this.listeners = enabled ? listeners.map((definition) => ({ definition, router: listenerRouter(definition) })) : [];
  }

  /** Opens every listener in turn; throws (naming the listener) on the first that cannot listen. */
  async open(): Promise<void> {
    for (const listener of this.listeners) await this.listen(listener);
  }

  async close(): Promise<void> {
    const servers = this.servers.splice(0);
    await Promise.all(
      servers.map(
        ({ server }) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }

  /** Where each listener is bound (the real port when 0 was configured). */
  bound(): BoundListener[] {
    return this.servers.map(({ definition, server }) => {
      const { address, port } = server.address() as AddressInfo;
      return { name: definition.name, address, port };
    });
  }

  private async listen({ definition, router }: Listener): Promise<void> {
    const server = createServer(
      {
        headersTimeout: 5_000,
        requestTimeout: 10_000,
        keepAliveTimeout: 5_000,
        connectionsCheckingInterval: 1_000,
        maxHeaderSize: 8 * 1024,
      },
      (request, response) => this.serve(router, request, response),
    );
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => rejectClient(error, socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) =>
        reject(new HealthError(LISTENER_FAILED(definition.name, definition.bindAddress, definition.port, errorText(error)))),
      );
      server.listen(definition.port, definition.bindAddress, () => resolve());
    });
    server.on('error', (error) => this.logger.error(`Health listener "${definition.name}": ${errorText(error)}`));
    this.servers.push({ definition, server });
    const { address, port } = server.address() as AddressInfo;
    this.logger.log(`Health listener "${definition.name}" on http://${address}:${port} serving ${router.paths().join(' ')}`);
  }

  private serve(router: ViewRouter, request: IncomingMessage, response: ServerResponse): void {
    const method = request.method ?? 'GET';
    const send = (view: ViewResponse) => writeResponse(response, view, method);
    const url = request.url ?? '/';
    if (url.length > MAX_URL_LENGTH)
      return send(
        jsonResponse(414, { statusCode: 414, error: 'URI Too Long', message: `URLs are limited to ${MAX_URL_LENGTH} characters` }),
      );
    const queryAt = url.indexOf('?');
    const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
    let match: RouteMatch | undefined;
    try {
      match = router.match(pathname);
    } catch {
      return send(jsonResponse(400, { statusCode: 400, error: 'Bad Request', message: 'malformed percent-encoding in the path' }));
    }
    const query = queryAt === -1 || queryAt === url.length - 1 ? undefined : new URLSearchParams(url.slice(queryAt + 1));
    try {
      if (this.handler.stream(method, match, request, response)) return;
      const answer = this.handler.answer(method, match, query, request);
      if (answer instanceof Promise) answer.then(send, (error) => this.fail(error, send));
      else send(answer);
    } catch (error) {
      this.fail(error, send);
    }
  }

  private fail(error: unknown, send: (view: ViewResponse) => void): void {
    this.logger.error(`Health listener failed to answer: ${errorText(error)}`);
    send(jsonResponse(500, { statusCode: 500, error: 'Internal Server Error', message: 'the health answer could not be rendered' }));
  }
}

/** Malformed, oversized or too slow requests get a JSON 4xx and a closed socket. */
function rejectClient(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [code, text] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Bad Request'];
  const body = JSON.stringify({ statusCode: code, error: text });
  socket.end(
    `HTTP/1.1 ${code} ${text}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
