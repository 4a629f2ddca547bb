/** The message of anything thrown, for logs and `details.reason`. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return typeof error === 'string' ? error : `non-error thrown: ${String(error)}`;
}
