import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { X509Certificate } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { createSecureContext, createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type { Aedes } from 'aedes';
import type { MqttListenerSource, MqttListenerState, MqttListenerType } from 'nestjs-mqtt-health';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { BROKER_CONFIG, BrokerConfigError, isAddressError, unbindableAddressLine, type BrokerConfig } from '../config/index.js';

/** How often the certificate and key files are polled for changes (polling survives atomic renames). */
const TLS_WATCH_INTERVAL_MS = 500;
/** A listener that cannot bind is tried again after 1 s, then after twice as long each time, at most 30 s. */
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

type Server = TcpServer | TlsServer | HttpServer;
type ConnectionHandler = (stream: Parameters<Aedes['handle']>[0], request?: Parameters<Aedes['handle']>[1]) => void;
/** Creates a fresh server for each attempt (a TLS one re-reads the certificate); `onBound` runs once it listens. */
interface ServerFactory {
  create: () => Server;
  onBound?: () => void;
}

interface Listener {
  type: MqttListenerType;
  bindAddress: string;
  port: number;
  server?: Server;
  running: boolean;
  lastFailure?: string;
  lastTlsFailure?: string;
  certificateExpiresAt?: number;
}

/** Binds the MQTT listeners (TCP, TLS, WebSocket), retrying those that cannot bind, hot-reloads the TLS certificate, and reports their state. */
@Injectable()
export class MqttListenersService implements MqttListenerSource, BeforeApplicationShutdown {
  private readonly logger = new Logger('Listeners');
  private readonly bound: Listener[] = [];
  private reloadTimer?: NodeJS.Timeout;
  /** Aborted by shutdown: cancels the bind attempts still pending. */
  private readonly stopping = new AbortController();

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

  /**
   * Binds every configured listener and resolves once all of them are bound. A listener that cannot
   * bind (port taken, unusable certificate) is reported DOWN with `last-failure` and tried again after
   * 1 s, 2 s, 4 s… up to 30 s, while the others serve. Rejects if shutdown begins first, or with a
   * BrokerConfigError naming MQTT_BIND for an address this host cannot bind, which no retry fixes.
   */
  async start(broker: Aedes): Promise<void> {
    const handle: ConnectionHandler = (stream, request) => broker.handle(stream, request);
    await Promise.all(this.bound.map((listener) => this.bindUntilBound(listener, this.factory(listener, handle))));
  }

  /** Shutdown begins: no more bind attempts, and a start() still waiting for one rejects (before the drain). */
  beforeApplicationShutdown(): void {
    this.cancelRetries();
  }

  /**
   * Stops accepting connections at once and cancels pending bind attempts; the promise settles when
   * the servers have closed, which is after the broker has disconnected the open connections.
   */
  stop(): Promise<void> {
    this.cancelRetries();
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

  private cancelRetries(): void {
    if (this.stopping.signal.aborted) return;
    const waiting = this.bound.filter((l) => !l.running).map((l) => `${l.type} ${l.bindAddress}:${l.port}`);
    const reason = new Error(`shutting down before every MQTT listener was bound (${waiting.join(', ') || 'none left'})`);
    this.stopping.abort(Object.assign(reason, { name: 'AbortError' }));
  }

  private factory(listener: Listener, handle: ConnectionHandler): ServerFactory {
    switch (listener.type) {
      case 'tcp':
        return { create: () => createTcpServer(handle) };
      case 'tls':
        return {
          create: () => {
            const { cert, key } = this.readCertificate();
            listener.certificateExpiresAt = expiryOf(cert);
            return createTlsServer({ cert, key }, handle);
          },
          onBound: () => this.watchCertificate(listener as Listener & { server: TlsServer }),
        };
      case 'websocket':
        return {
          create: () => {
            const server = createHttpServer((_req, res) => res.writeHead(426, { connection: 'close' }).end());
            const sockets = new WebSocketServer({ server });
            sockets.on('connection', (socket, request) => handle(createWebSocketStream(socket), request));
            sockets.on('error', () => undefined); // re-emitted from the HTTP server, which reports it
            return server;
          },
        };
      default:
        throw new Error(`the demo has no ${listener.type} listener`);
    }
  }

  /** One attempt after another, each failure logged once with the delay before the next, until bound or shutdown. */
  private async bindUntilBound(listener: Listener, { create, onBound }: ServerFactory): Promise<void> {
    const { signal } = this.stopping;
    for (let attempt = 1, delayMs = FIRST_RETRY_MS; ; attempt++, delayMs = Math.min(delayMs * 2, MAX_RETRY_MS)) {
      signal.throwIfAborted();
      const failure = await this.bind(listener, create);
      signal.throwIfAborted();
      if (!failure) {
        this.logger.log(
          `MQTT ${listener.type} listener on ${listener.bindAddress}:${listener.port}${attempt > 1 ? ` (attempt ${attempt})` : ''}`,
        );
        return onBound?.();
      }
      this.logger.warn(`${failure}; attempt ${attempt} failed, retrying in ${delayMs / 1000} s`);
      await sleep(delayMs, undefined, { signal }).catch(() => signal.throwIfAborted());
    }
  }

  /** Resolves with why the listener could not start, or undefined once it listens; rejects for an address this host cannot bind. */
  private bind(listener: Listener, create: () => Server): Promise<string | undefined> {
    let server: Server;
    try {
      server = create();
    } catch (error) {
      listener.lastFailure = `${listener.type === 'tls' ? 'TLS setup failed' : 'setup failed'}: ${(error as Error).message}`;
      if (listener.type === 'tls') listener.lastTlsFailure = listener.lastFailure;
      return Promise.resolve(`${listener.type} listener on ${listener.bindAddress}:${listener.port} not started: ${listener.lastFailure}`);
    }
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        listener.lastFailure = `Failed to bind to ${listener.bindAddress}:${listener.port}: ${error.message}`;
        if (isAddressError(error.code))
          reject(new BrokerConfigError(unbindableAddressLine('MQTT_BIND', listener.bindAddress, error.code!)));
        else resolve(`${listener.type} listener: ${listener.lastFailure}`);
      };
      server.once('error', onError);
      server.listen(listener.port, listener.bindAddress, () => {
        server.off('error', onError);
        // Shutdown began while this attempt was under way: nobody will close it later.
        if (this.stopping.signal.aborted) return server.close(() => resolve(undefined));
        server.on('error', (error) => this.logger.error(`${listener.type} listener on port ${listener.port}: ${error.message}`));
        const address = server.address();
        if (address && typeof address === 'object') listener.port = address.port;
        listener.server = server;
        listener.running = true;
        listener.lastFailure = undefined;
        listener.lastTlsFailure = undefined;
        resolve(undefined);
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
