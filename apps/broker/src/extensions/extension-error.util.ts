/** An extension's load, configure() or start outlasted EXTENSION_START_TIMEOUT_MS; its message says so on its own. */
export class ExtensionDeadlineError extends Error {
  override name = 'ExtensionDeadlineError';
}

/** The text recorded as an extension's failure: the error's name shows whether it was a TypeError, a SyntaxError, ... */
export function describeError(error: unknown): string {
  // An extension may throw anything, even a value whose conversion to text throws in turn.
  try {
    if (error instanceof ExtensionDeadlineError) return error.message;
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return String(error);
  } catch {
    return 'a value that cannot be converted to text';
  }
}

/** Longest client-influenced text kept in a log line or a health body; a topic alone may be 65,535 bytes. */
const MAX_CLIENT_TEXT = 500;
/** Line breaks, ANSI escapes and every other control character, which could forge or hide log lines. */
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Text a client may have shaped (a topic, a client id, an error that echoes them), safe for one log line or a health body. */
export function escapeClientText(text: string): string {
  const kept = text.length > MAX_CLIENT_TEXT ? `${text.slice(0, MAX_CLIENT_TEXT)}… (${text.length} characters)` : text;
  return kept.replace(UNSAFE_CHARACTERS, (character) => NAMED_ESCAPES[character] ?? escapeCode(character.charCodeAt(0)));
}

function escapeCode(code: number): string {
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
