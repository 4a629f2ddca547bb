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

/** The message of anything thrown, for logs and `details.reason`, without credentials. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return redactCredentials(error.message || error.name);
  return redactCredentials(typeof error === 'string' ? error : `non-error thrown: ${String(error)}`);
}
