/** The text recorded as an extension's failure: the error's name shows whether it was a TypeError, a SyntaxError, ... */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
