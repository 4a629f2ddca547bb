import { types } from 'node:util';

// `//`, then everything up to the last "@" of the same word: a password may hold a raw "@" or "/",
// and a URL's path rarely does, so redacting too much is the failure mode, not leaking.
const CREDENTIALS = /\/\/[^\s"'<>]*@/g;

/**
 * The `user:password@` part of every URL in `text` replaced by `***@`
 * (`redis://admin:hunter2@host:6379` → `redis://***@host:6379`): error texts quote URLs, and
 * neither a health body, a metric nor a log line may carry a credential.
 */
export function redactCredentials(text: string): string {
  return text.includes('@') ? text.replace(CREDENTIALS, '//***@') : text;
}

/**
 * The message of anything thrown, for logs and `details.reason`, without credentials. An error is
 * recognised by what it is, not by `instanceof Error`: errors made in another realm (Node's own, seen
 * from a Jest test's VM context; a worker's; a DOMException) fail that check but are errors all the same.
 */
export function errorText(error: unknown): string {
  if (isErrorLike(error)) return redactCredentials(error.message || error.name);
  return redactCredentials(typeof error === 'string' ? error : `non-error thrown: ${String(error)}`);
}

function isErrorLike(value: unknown): value is { name: string; message: string } {
  if (types.isNativeError(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  const { name, message } = value as { name?: unknown; message?: unknown };
  return typeof name === 'string' && typeof message === 'string';
}
