import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { X509Certificate } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { createSecureContext, createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Aedes } from 'aedes';
import type { MqttListenerSource, MqttListenerState, MqttListenerType } from 'nestjs-mqtt-health';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { BROKER_CONFIG, type BrokerConfig } from '../config/index.js';

/** How often the certificate and key files are polled for changes (polling survives atomic renames). */
const TLS_WATCH_INTERVAL_MS = 500;

interface Listener {
  type: MqttListenerType;
  bindAddress: string;
  port: number;
  server?: TcpServer | TlsServer | HttpServer;
  running: boolean;
  lastFailure?: string;
  lastTlsFailure?: string;
  certificateExpiresAt?: number;
}

/** Binds the MQTT listeners (TCP, TLS, WebSocket), hot-reloads the TLS certificate, and reports their state. */
@Injectable()
export class MqttListenersService implements MqttListenerSource {
  private readonly logger = new Logger('Listeners');
  private readonly bound: Listener[] = [];
  private reloadTimer?: NodeJS.Timeout;

  constructor(@Inject(BROKER_CONFIG) private readonly config: BrokerConfig) {
    // Known, and not running, from the start: the mqtt component is DOWN until they are bound.
    const { mqttBind, mqttPort, tls, wsPort } = config;
    this.bound.push({ type: 'tcp', bindAddress: mqttBind, port: mqttPort, running: false });
    if (tls) this.bound.push({ type: 'tls', bindAddress: mqttBind, port: tls.port, running: false });
    if (wsPort !== undefined) this.bound.push({ type: 'websocket', bindAddress: mqttBind, port: wsPort, running: false });
  }

  listeners(): readonly MqttListenerState[] {
    return this.bound.map(({ server: _server, ...state }) => state);
  }

  /** Binds every configured listener; a listener that cannot start is reported DOWN, the others still serve. */
  async start(broker: Aedes): Promise<void> {
    const handle = (stream: Parameters<Aedes['handle']>[0], request?: Parameters<Aedes['handle']>[1]) => broker.handle(stream, request);
    const listener = (type: MqttListenerType) => this.bound.find((l) => l.type === type);
    await this.bind(listener('tcp')!, () => createTcpServer(handle));
    const tls = listener('tls');
    if (tls) {
      await this.bind(tls, () => {
        const { cert, key } = this.readCertificate();
        tls.certificateExpiresAt = expiryOf(cert);
        return createTlsServer({ cert, key }, handle);
      });
      if (tls.running) this.watchCertificate(tls as Listener & { server: TlsServer });
    }
    const websocket = listener('websocket');
    if (websocket) {
      await this.bind(websocket, () => {
        const server = createHttpServer((_req, res) => res.writeHead(426, { connection: 'close' }).end());
        const sockets = new WebSocketServer({ server });
        sockets.on('connection', (socket, request) => handle(createWebSocketStream(socket), request));
        sockets.on('error', () => undefined); // re-emitted from the HTTP server, which reports it

        return server;
      });
    }
  }

  /**
   * Stops accepting connections at once; the promise settles when the servers have closed, which is
   * after the broker has disconnected the open connections.
   */
  stop(): Promise<void> {
    clearTimeout(this.reloadTimer);
    if (this.config.tls) for (const path of [this.config.tls.certPath, this.config.tls.keyPath]) unwatchFile(path);
    const closed = this.bound.map((listener) => {
      listener.running = false;
      const server = listener.server;
      if (!server?.listening) return Promise.resolve();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    return Promise.all(closed).then(() => undefined);
  }

  private async bind(listener: Listener, create: () => TcpServer | TlsServer | HttpServer): Promise<void> {
    let server: TcpServer | TlsServer | HttpServer;
    try {
      server = create();
    } catch (error) {
      listener.lastFailure = `${listener.type === 'tls' ? 'TLS setup failed' : 'setup failed'}: ${(error as Error).message}`;
      if (listener.type === 'tls') listener.lastTlsFailure = listener.lastFailure;
      this.logger.error(`${listener.type} listener on port ${listener.port} not started: ${listener.lastFailure}`);
      return;
    }
    await new Promise<void>((resolve) => {
      const onError = (error: Error) => {
        listener.lastFailure = `Failed to bind to ${listener.bindAddress}:${listener.port}: ${error.message}`;
        this.logger.error(`${listener.type} listener: ${listener.lastFailure}`);
        resolve();
      };
      server.once('error', onError);
      server.listen(listener.port, listener.bindAddress, () => {
        server.off('error', onError);
        server.on('error', (error) => this.logger.error(`${listener.type} listener on port ${listener.port}: ${error.message}`));
        const address = server.address();
        if (address && typeof address === 'object') listener.port = address.port;
        listener.server = server;
        listener.running = true;
        this.logger.log(`MQTT ${listener.type} listener on ${listener.bindAddress}:${listener.port}`);
        resolve();
      });
    });
  }

  private readCertificate(): { cert: Buffer; key: Buffer } {
    const { certPath, keyPath } = this.config.tls!;
    const cert = readFileSync(certPath);
    const key = readFileSync(keyPath);
    createSecureContext({ cert, key }); // throws on an unreadable pair, before anything is replaced
    return { cert, key };
  }

  /** A change to either file reloads both; a reload that fails keeps the certificate already serving. */
  private watchCertificate(listener: Listener & { server: TlsServer }): void {
    const reload = () => {
      clearTimeout(this.reloadTimer);
      // Let a rotation that writes the certificate and the key one after the other finish first.
      this.reloadTimer = setTimeout(() => {
        try {
          const { cert, key } = this.readCertificate();
          listener.server.setSecureContext({ cert, key });
          listener.certificateExpiresAt = expiryOf(cert);
          listener.lastTlsFailure = undefined;
          this.logger.log(`TLS certificate reloaded for port ${listener.port}`);
        } catch (error) {
          listener.lastTlsFailure = `TLS reload failed, still serving the previous certificate: ${(error as Error).message}`;
          this.logger.error(listener.lastTlsFailure);
        }
      }, 200);
    };
    for (const path of [this.config.tls!.certPath, this.config.tls!.keyPath]) watchFile(path, { interval: TLS_WATCH_INTERVAL_MS }, reload);
  }
}

function expiryOf(cert: Buffer): number {
  return Date.parse(new X509Certificate(cert).validTo);
}
