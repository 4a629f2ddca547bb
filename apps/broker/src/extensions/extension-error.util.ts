/** An extension's load, configure() or start outlasted EXTENSION_START_TIMEOUT_MS; its message says so on its own. */
export class ExtensionDeadlineError extends Error {
  override name = 'ExtensionDeadlineError';
}

/** The text recorded as an extension's failure: the error's name shows whether it was a TypeError, a SyntaxError, ... */
export function describeError(error: unknown): string {
  if (error instanceof ExtensionDeadlineError) return error.message;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
