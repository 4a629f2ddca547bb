/** A variable of the environment the broker cannot start with; the message names it and says what to give. */
export class BrokerConfigError extends Error {
  override name = 'BrokerConfigError';
}

/** Throws the BrokerConfigError for variable `name`, showing the refused value without its credentials. */
export function invalidVariable(name: string, expected: string, got: string | undefined): never {
  const shown = got === undefined ? '' : ` (got ${JSON.stringify(hideCredentials(got))})`;
  throw new BrokerConfigError(`Environment variable ${name} ${expected}${shown}. Fix it and start the broker again.`);
}

/** `redis://user:secret@host` → `redis://user:***@host`: a refused value is printed, never its password. */
export function hideCredentials(value: string): string {
  return value.replace(/^(rediss?:\/\/)([^@/?#]*)@/, (_, scheme: string, credentials: string) => {
    const colon = credentials.indexOf(':');
    return `${scheme}${colon < 0 ? '***' : `${credentials.slice(0, colon)}:***`}@`;
  });
}
