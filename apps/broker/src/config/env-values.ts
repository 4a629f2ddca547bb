import { isIPv6 } from 'node:net';
import { invalidVariable } from './broker-config.error.js';

/** Reads one variable: trimmed, and undefined when unset or empty. */
export type ReadVariable = (name: string) => string | undefined;

/**
 * `REDIS_URL` as ioredis reads it: a URL it would refuse later ("Invalid URL") or misread is refused now.
 * An empty port (`redis://host:`) is the default port 6379, as URL parsers, ioredis's included, read it.
 */
export function checkRedisUrl(url: string): void {
  const match = /^rediss?:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)(?::([^/?#]*))?(\/[^?#]*)?/.exec(url);
  if (!match) invalidVariable('REDIS_URL', 'must be a redis:// or rediss:// URL', url);
  const [, host, port, path] = match;
  if (!host) invalidVariable('REDIS_URL', 'names no host (redis://host:6379)', url);
  if (port !== undefined && port !== '' && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535))
    invalidVariable('REDIS_URL', `has port ${JSON.stringify(port)}, which is not a port number (1-65535)`, url);
  if (path !== undefined && !/^\/\d*$/.test(path)) invalidVariable('REDIS_URL', 'may end only in a database number (/0)', url);
  try {
    new URL(url);
  } catch {
    invalidVariable('REDIS_URL', 'is not a valid URL (characters of the password such as @ / # ? must be percent-encoded)', url);
  }
}

/** `[::1]`, the bracketed form of URLs, is the IPv6 address inside: listen() takes only the bare address. */
export function bindAddress(read: ReadVariable, name: 'MQTT_BIND' | 'HEALTH_BIND'): string | undefined {
  const raw = read(name);
  const inside = raw === undefined ? undefined : /^\[(.*)\]$/.exec(raw)?.[1];
  if (inside === undefined) return raw;
  if (!isIPv6(inside)) invalidVariable(name, 'may put brackets only around an IPv6 address, such as [::1]', raw);
  return inside;
}

/** A port number (0-65535); what 0 means, each variable says. */
export function port(read: ReadVariable, name: string): number | undefined {
  return integer(read, name, 0, 65535, 'must be a port number (0-65535)');
}

/** An integer in [min, max], written in plain digits. */
export function integer(read: ReadVariable, name: string, min: number, max: number, expected?: string): number | undefined {
  const raw = read(name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) invalidVariable(name, expected ?? `must be an integer from ${min} to ${max}`, raw);
  return value;
}

/** `true` or `false`, in any case. */
export function boolean(read: ReadVariable, name: string): boolean | undefined {
  const raw = read(name);
  if (raw === undefined) return undefined;
  if (!/^(true|false)$/i.test(raw)) invalidVariable(name, 'must be true or false', raw);
  return raw.toLowerCase() === 'true';
}
