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

/** How many causes and inner errors are followed: enough for `fetch failed` → ECONNREFUSED. */
const MAX_DEPTH = 3;
const MAX_INNER = 3;
/** A reason is a line, not a dump: longer ones are cut here. */
export const MAX_REASON_LENGTH = 500;
const MAX_KEYS = 5;

/**
 * The message of anything thrown, for logs and `details.reason`, without credentials. An error is
 * recognised by what it is, not by `instanceof Error`: errors made in another realm (Node's own, seen
 * from a Jest test's VM context; a worker's; a DOMException) fail that check but are errors all the same.
 * What a bare message leaves out is added: the `cause` of an error whose message does not already
 * quote it (`fetch failed: connect ECONNREFUSED 127.0.0.1:5432`), and the errors of an AggregateError
 * (Node's connect to a host with IPv4 and IPv6 addresses throws one, with an empty message). Only
 * errors and strings are followed; an object is never dumped (it may hold a password or a token), only
 * its keys are named. At most MAX_REASON_LENGTH characters.
 */
export function errorText(error: unknown): string {
  const text = redactCredentials(describe(error, MAX_DEPTH));
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH - 1)}…` : text;
}

function describe(error: unknown, depth: number): string {
  if (isErrorLike(error)) {
    const inner = depth > 0 ? innerErrors(error).map((e) => describe(e, depth - 1)) : [];
    const own = error.message || (inner.length > 0 ? '' : error.name);
    const shown = [...new Set(inner)].filter((text) => text && !own.includes(text)).slice(0, MAX_INNER);
    const joined = shown.join('; ');
    const causeOf = depth > 0 && followed(error.cause) ? describe(error.cause, depth - 1) : '';
    const withInner = own && joined ? `${own}: ${joined}` : own || joined;
    return causeOf && !withInner.includes(causeOf) ? `${withInner}: ${causeOf}` : withInner;
  }
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) {
    const { message } = error as { message?: unknown };
    if (typeof message === 'string' && message) return message;
    const keys = Object.keys(error);
    const named = keys.length ? ` with ${keys.slice(0, MAX_KEYS).join(', ')}${keys.length > MAX_KEYS ? ', …' : ''}` : '';
    return `non-error thrown: an object${named}`;
  }
  return `non-error thrown: ${String(error)}`;
}

/** A cause worth adding: an error or a string, never an object's contents. */
function followed(cause: unknown): boolean {
  return typeof cause === 'string' ? cause.length > 0 : isErrorLike(cause);
}

function innerErrors(error: { errors?: unknown }): unknown[] {
  return Array.isArray(error.errors) ? error.errors.filter(followed) : [];
}

function isErrorLike(value: unknown): value is { name: string; message: string; cause?: unknown; errors?: unknown } {
  if (types.isNativeError(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  const { name, message } = value as { name?: unknown; message?: unknown };
  return typeof name === 'string' && typeof message === 'string';
}
