import { connect, createServer, type AddressInfo } from 'node:net';
import { Injectable, Module, type LoggerService, type OnApplicationShutdown, type OnModuleInit, type Type } from '@nestjs/common';
import {
  HealthIndicator,
  HealthModule,
  HealthStatus,
  type HealthComponent,
  type HealthComponentCheck,
  type HealthModuleOptions,
} from 'nestjs-mqtt-health';

/**
 * The README's first app as a host app's e2e test meets it: a client of its database and the indicator that
 * checks it. The database is a real TCP port of 127.0.0.1; `fail()` closes it, so `ping()` fails with
 * Node's own ECONNREFUSED, an error made outside the test's realm.
 */
@Injectable()
export class InventoryDb implements OnModuleInit, OnApplicationShutdown {
  private readonly server = createServer((socket) => socket.destroy());
  /** Where the database listens (a free port). */
  port = 0;

  async onModuleInit(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** The database refuses connections from now on. */
  async fail(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.server.listening) await this.fail();
  }

  ping(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', reject);
    });
  }
}

@HealthIndicator('inventory-db', { groups: ['readiness'], timeoutMs: 500 })
export class InventoryDbHealth implements HealthComponentCheck {
  constructor(private readonly db: InventoryDb) {}

  async check(): Promise<HealthComponent> {
    await this.db.ping();
    return { status: HealthStatus.UP, details: { type: 'postgres', 'network-dependency': true } };
  }
}

/** The app's module, with the README's options and `options` over them. */
export function appModule(options: HealthModuleOptions = {}): Type {
  @Module({ imports: [HealthModule.forRoot({ refreshIntervalMs: 1000, ...options })], providers: [InventoryDb, InventoryDbHealth] })
  class AppModule {}
  return AppModule;
}

export const AppModule = appModule();

/** A logger that keeps every line with its level, so a test can read what the app said. */
export class RecordingLogger implements LoggerService {
  readonly lines: { level: string; message: string }[] = [];
  log = (message: unknown) => this.lines.push({ level: 'log', message: String(message) });
  warn = (message: unknown) => this.lines.push({ level: 'warn', message: String(message) });
  error = (message: unknown) => this.lines.push({ level: 'error', message: String(message) });
  debug = () => undefined;
  verbose = () => undefined;
}
