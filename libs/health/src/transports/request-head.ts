/** The parts of an HTTP/1.x request head that the probe fast path needs: a GET or HEAD without a body. */
export interface RequestHead {
  readonly method: 'GET' | 'HEAD';
  /** The raw request-target (`/readyz?verbose`). */
  readonly target: string;
  readonly http10: boolean;
  readonly keepAlive: boolean;
  /** Header names lowercased; the last value wins. */
  readonly headers: Readonly<Record<string, string>>;
  /** Bytes of the head, final CRLF CRLF included. */
  readonly length: number;
}

/**
 * `unusual`: anything outside the plain subset the fast path answers (another method or version, a
 * body, a control byte, a bare CR or LF, duplicate or odd framing headers, a head over the limit...).
 * node:http gets those bytes and decides, so the listener refuses exactly what node:http refuses.
 */
export type HeadParse = RequestHead | 'incomplete' | 'unusual';

const HEAD_END = Buffer.from('\r\n\r\n');
// A target of visible ASCII only: node:http refuses control bytes, DEL and bytes above 0x7f in it.
const REQUEST_LINE = /^(GET|HEAD) (\/[\x21-\x7e]*) HTTP\/1\.([01])$/;
const HEADER_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[^\x00-\x08\x0a-\x1f\x7f]*$/;
// In a head still arriving: control bytes (HTAB aside), DEL, and a CR or LF that is not part of a line break.
const BAD_BYTE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r[^\n]|\r$|[^\r]\n/;
// Only SP around a zero (a tab goes to node:http, which refuses it); String.prototype.trim() would also strip NBSP.
const ZERO_LENGTH = /^ *0+ *$/;
const NBSP = '\xa0';
const GET = Buffer.from('GET /');
const HEAD = Buffer.from('HEAD /');
const BAD_IN_REQUEST_LINE = /[^\x20-\x7e]/;

/** Parses the head at the start of `buffer`; `maxBytes` bounds the head. */
export function parseRequestHead(buffer: Buffer, maxBytes: number): HeadParse {
  const end = buffer.indexOf(HEAD_END);
  if (end === -1) return buffer.length > maxBytes || !plausibleStart(buffer) ? 'unusual' : 'incomplete';
  if (end + HEAD_END.length > maxBytes) return 'unusual';
  const lines = buffer.toString('latin1', 0, end).split('\r\n');
  const request = REQUEST_LINE.exec(lines[0]);
  if (!request) return 'unusual';
  const headers: Record<string, string> = {};
  let connection: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    // A token, a colon, and no control byte (HTAB aside), DEL, or CR or LF on its own: folded lines,
    // names with spaces and values with NUL are refused by node:http as well.
    if (!HEADER_LINE.test(line)) return 'unusual';
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    const raw = line.slice(colon + 1);
    const key = name.toLowerCase();
    switch (key) {
      case 'content-length':
        // Twice, anything but a zero, or a tab (node:http refuses `0<HTAB>`): node:http frames or refuses it.
        if (headers[key] !== undefined || !ZERO_LENGTH.test(raw)) return 'unusual';
        break;
      case 'transfer-encoding':
      case 'expect':
      // node:http reads Proxy-Connection as Connection.
      case 'proxy-connection':
      case 'upgrade':
        return 'unusual';
      case 'connection':
        // node:http reads a token followed by a tab its own way (`close<HTAB>` is not close).
        if (raw.includes(NBSP) || raw.includes('\t')) return 'unusual';
        connection = connection === undefined ? raw : `${connection},${raw}`;
        break;
    }
    headers[key] = raw.trim();
  }
  const http10 = request[3] === '0';
  let keepAlive = !http10;
  if (connection !== undefined) {
    const tokens = connectionTokens(connection);
    if (tokens === (CLOSE | KEEP_ALIVE)) return 'unusual';
    keepAlive = http10 ? tokens === KEEP_ALIVE : tokens !== CLOSE;
  }
  return { method: request[1] as 'GET' | 'HEAD', target: request[2], http10, keepAlive, headers, length: end + HEAD_END.length };
}

const CLOSE = 1;
const KEEP_ALIVE = 2;

/** The close and keep-alive tokens among the comma-separated values of every Connection header. */
function connectionTokens(value: string): number {
  const single = value.trim().toLowerCase();
  if (single === 'close') return CLOSE;
  if (single === 'keep-alive') return KEEP_ALIVE;
  let tokens = 0;
  for (const token of single.split(',')) {
    const trimmed = token.trim();
    if (trimmed === 'close') tokens |= CLOSE;
    else if (trimmed === 'keep-alive') tokens |= KEEP_ALIVE;
  }
  return tokens;
}

/** Whether a head still arriving can become one the fast path answers; node:http refuses the rest at once. */
function plausibleStart(buffer: Buffer): boolean {
  const method = buffer[0] === 0x48 ? HEAD : GET;
  const compared = Math.min(buffer.length, method.length);
  if (buffer.compare(method, 0, compared, 0, compared) !== 0) return false;
  const text = buffer.toString('latin1');
  const lineEnd = text.indexOf('\r');
  if (BAD_IN_REQUEST_LINE.test(lineEnd === -1 ? text : text.slice(0, lineEnd))) return false;
  // A CR at the very end may be the start of a line break still arriving.
  return !BAD_BYTE.test(text.endsWith('\r') ? text.slice(0, -1) : text);
}
