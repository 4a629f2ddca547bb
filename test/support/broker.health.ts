import { HealthIndicator, HealthStatus, type HealthComponentCheck, type HealthComponent } from 'nestjs-mqtt-health';

/**
 * Indicators of a fake broker, shaped like the HiveMQ examples. Each keeps its state in public
 * fields a test changes before calling `refreshed(app)`; `reset()` puts everything back to UP.
 */

/** Joins readiness itself, as a cluster check does. */
@HealthIndicator('cluster', { groups: ['readiness'] })
export class ClusterHealthIndicator implements HealthComponentCheck {
  status: HealthStatus = HealthStatus.UP;

  check(): HealthComponent {
    return { status: this.status, details: cluster(this.status) };
  }

  reset(): void {
    this.status = HealthStatus.UP;
  }
}

export function cluster(status: HealthStatus): Record<string, unknown> {
  return { 'cluster-size': 3, 'node-id': 'jS3bb', 'node-state': status === HealthStatus.DOWN ? 'JOINING' : 'RUNNING' };
}

/** In no group by itself: tests put it, or one of its listeners, in groups through the module options. */
@HealthIndicator('mqtt')
export class MqttHealthIndicator implements HealthComponentCheck {
  tcp: HealthStatus = HealthStatus.UP;
  tls: HealthStatus = HealthStatus.UP;

  check(): HealthComponent {
    return {
      status: HealthStatus.UP,
      components: {
        'tcp-listener-1883': { status: this.tcp, details: tcpListener(this.tcp) },
        'tls-tcp-listener-8883': { status: this.tls, details: tlsListener(this.tls) },
      },
    };
  }

  reset(): void {
    this.tcp = HealthStatus.UP;
    this.tls = HealthStatus.UP;
  }
}

export function tcpListener(status: HealthStatus): Record<string, unknown> {
  return { 'bind-address': '0.0.0.0', 'is-running': status !== HealthStatus.DOWN, port: 1883, type: 'TCP Listener' };
}

export function tlsListener(status: HealthStatus): Record<string, unknown> {
  return {
    'bind-address': '0.0.0.0',
    'is-running': status !== HealthStatus.DOWN,
    ...(status === HealthStatus.UP ? {} : { 'last-tls-failure': 'Not able to open or read KeyStore' }),
    port: 8883,
    type: 'TCP Listener with TLS',
  };
}

/** One extension, three levels deep: `extensions/my-ext/internals/entrypoint`. Only the leaf changes. */
@HealthIndicator('extensions')
export class ExtensionsHealthIndicator implements HealthComponentCheck {
  entrypoint: HealthStatus = HealthStatus.UP;

  check(): HealthComponent {
    return {
      status: HealthStatus.UP,
      components: {
        'my-ext': {
          status: HealthStatus.UP,
          details: extension(),
          components: {
            internals: {
              status: HealthStatus.UP,
              components: {
                entrypoint: { status: this.entrypoint, details: entrypoint(this.entrypoint) },
                services: { status: HealthStatus.UP },
              },
            },
          },
        },
      },
    };
  }

  reset(): void {
    this.entrypoint = HealthStatus.UP;
  }
}

export function extension(): Record<string, unknown> {
  return { author: 'Acme', enabled: true, name: 'My Extension', priority: 1000, version: '4.28.0' };
}

export function entrypoint(status: HealthStatus): Record<string, unknown> {
  return {
    ...(status === HealthStatus.UP ? {} : { 'last-startup-failure': 'NoSuchFileException: conf/config.xml' }),
    'started-at': 1713949817551,
  };
}

/** Fails on demand: `failure` is thrown from check() (sync) or rejected (async). */
@HealthIndicator('storage', { groups: ['readiness'] })
export class StorageHealthIndicator implements HealthComponentCheck {
  failure?: unknown;
  async = false;

  check(): HealthComponent | Promise<HealthComponent> {
    if (this.failure === undefined) return { status: HealthStatus.UP, details: { engine: 'level' } };
    if (this.async) return Promise.reject(this.failure);
    throw this.failure;
  }

  reset(): void {
    this.failure = undefined;
    this.async = false;
  }
}
