import { createServer } from 'node:net';
import { BrokerConfigError, type BrokerConfig } from './broker-config.js';

/** listen() errors of the address rather than of the port: no retry can fix them, only the configuration. */
const ADDRESS_ERROR_CODES = ['EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAFNOSUPPORT'];

export function isAddressError(code: string | undefined): boolean {
  return code !== undefined && ADDRESS_ERROR_CODES.includes(code);
}

/** The one line for a bind address this host cannot listen on, naming the variable that gave it (HEALTH_VIEWS: a `name@addr:port`). */
export function unbindableAddressLine(variable: 'MQTT_BIND' | 'HEALTH_BIND' | 'HEALTH_VIEWS', host: string, code: string): string {
  const problem =
    code === 'EADDRNOTAVAIL' ? `${host} is not an address of this host` : `${JSON.stringify(host)} does not resolve to an address`;
  const fix =
    variable === 'HEALTH_VIEWS'
      ? 'Give that view an address of this host (name@127.0.0.1:port), or none (name@:port listens on HEALTH_BIND).'
      : `Set ${variable} to an address of this host, such as 127.0.0.1 or 0.0.0.0.`;
  return `Environment variable ${variable}: ${problem} (${code}). ${fix}`;
}

/** Which variable gave the address a health listener on `port` failed to bind: a view's own (`name@addr:port`) or HEALTH_BIND. */
export function healthAddressVariable(config: Pick<BrokerConfig, 'healthViews'>, port: number): 'HEALTH_VIEWS' | 'HEALTH_BIND' {
  return config.healthViews.some((entry) => entry.port === port && entry.address !== undefined) ? 'HEALTH_VIEWS' : 'HEALTH_BIND';
}

/**
 * Listens on MQTT_BIND on a port of the system's choosing and lets go, before anything starts: an
 * address this host does not have, or a name that does not resolve, fails the start with one line
 * instead of MQTT listeners retrying for ever. A port in use is not this check's business.
 */
export async function assertMqttBindable(config: Pick<BrokerConfig, 'mqttBind'>): Promise<void> {
  const server = createServer();
  const code = await new Promise<string | undefined>((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    server.listen(0, config.mqttBind, () => server.close(() => resolve(undefined)));
  });
  if (isAddressError(code)) throw new BrokerConfigError(unbindableAddressLine('MQTT_BIND', config.mqttBind, code!));
}
