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
/**
 * Characters that could forge, hide or reorder what a reader sees: line breaks, ANSI escapes and every other
 * control character; bidirectional overrides and isolates (U+061C, U+200E–200F, U+202A–202E, U+2066–2069);
 * zero-width and invisible characters (U+200B–200D, U+2060–2064, U+FEFF); and lone surrogates, which are not text.
 * With the `u` flag a surrogate range matches only a surrogate that is not half of a pair.
 */
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]/gu;
const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Text a client may have shaped (a topic, a client id, an error that echoes them), safe for one log line or a health body. */
export function escapeClientText(text: string): string {
  const kept = text.length > MAX_CLIENT_TEXT ? `${text.slice(0, cutAt(text, MAX_CLIENT_TEXT))}… (${text.length} characters)` : text;
  return kept.replace(UNSAFE_CHARACTERS, (character) => NAMED_ESCAPES[character] ?? escapeCode(character.charCodeAt(0)));
}

/** `length`, or one less where that would split a surrogate pair. */
function cutAt(text: string, length: number): number {
  const before = text.charCodeAt(length - 1);
  const after = text.charCodeAt(length);
  const splitsPair = before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
  return splitsPair ? length - 1 : length;
}

function escapeCode(code: number): string {
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
