import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { errorText } from '../engine/normalize-component.js';
import { HealthError } from '../errors/health.errors.js';
import { LISTENER_FAILED } from '../errors/messages.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import type { HealthConfig, ListenerDefinition } from '../options/health-config.js';
import { jsonResponse, type ViewResponse } from '../views/view-response.js';
import { HaproxyAgent } from './haproxy-agent.js';
import { HealthRequestHandler } from './health-request.handler.js';
import type { RouteMatch } from './view-router.js';
import { writeResponse } from './write-response.js';

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
 * abusive clients; they open at bootstrap and close last, after the drain.
 */
@Injectable()
export class HealthListeners implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Health');
  private readonly servers: { definition: ListenerDefinition; server: Server }[] = [];

  constructor(
    private readonly handler: HealthRequestHandler,
    private readonly agent: HaproxyAgent,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
  ) {}

  /** Opens every transport in turn; if one cannot listen, closes those already open (Nest runs no shutdown hook after a failed boot). */
  async onApplicationBootstrap(): Promise<void> {
    try {
      if (this.config.healthApi.enabled) for (const definition of this.config.healthApi.listeners) await this.open(definition);
      await this.agent.open();
    } catch (error) {
      await this.onApplicationShutdown();
      throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const servers = this.servers.splice(0);
    await Promise.all([
      this.agent.close(),
      ...servers.map(
        ({ server }) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    ]);
  }

  /** Where each listener is bound (the real port when 0 was configured). */
  bound(): BoundListener[] {
    return this.servers.map(({ definition, server }) => {
      const { address, port } = server.address() as AddressInfo;
      return { name: definition.name, address, port };
    });
  }

  private async open(definition: ListenerDefinition): Promise<void> {
    const server = createServer(
      {
        headersTimeout: 5_000,
        requestTimeout: 10_000,
        keepAliveTimeout: 5_000,
        connectionsCheckingInterval: 1_000,
        maxHeaderSize: 8 * 1024,
      },
      (request, response) => this.serve(definition, request, response),
    );
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => rejectClient(error, socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new HealthError(LISTENER_FAILED(definition.name, definition.bindAddress, definition.port, errorText(error)))));
      server.listen(definition.port, definition.bindAddress, () => resolve());
    });
    server.on('error', (error) => this.logger.error(`Health listener "${definition.name}": ${errorText(error)}`));
    this.servers.push({ definition, server });
    const { address, port } = server.address() as AddressInfo;
    this.logger.log(`Health listener "${definition.name}" on http://${address}:${port} serving ${definition.router.paths().join(' ')}`);
  }

  private serve(definition: ListenerDefinition, request: IncomingMessage, response: ServerResponse): void {
    const method = request.method ?? 'GET';
    const send = (view: ViewResponse) => writeResponse(response, view, method);
    const url = request.url ?? '/';
    if (url.length > MAX_URL_LENGTH) return send(jsonResponse(414, { statusCode: 414, error: 'URI Too Long', message: `URLs are limited to ${MAX_URL_LENGTH} characters` }));
    const queryAt = url.indexOf('?');
    const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
    let match: RouteMatch | undefined;
    try {
      match = definition.router.match(pathname);
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
  socket.end(`HTTP/1.1 ${code} ${text}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
