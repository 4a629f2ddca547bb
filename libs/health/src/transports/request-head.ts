/** The parts of an HTTP/1.x request head that the probe fast path needs. */
export interface RequestHead {
  readonly method: string;
  /** The raw request-target (`/readyz?verbose`). */
  readonly target: string;
  readonly http10: boolean;
  readonly keepAlive: boolean;
  /** A Content-Length above 0 or any Transfer-Encoding: a body follows the head. */
  readonly hasBody: boolean;
  /** Header names lowercased; the last value wins. */
  readonly headers: Readonly<Record<string, string>>;
  /** Bytes of the head, final CRLF CRLF included. */
  readonly length: number;
}

export type HeadParse = RequestHead | 'incomplete' | 'too-large' | 'malformed';

const HEAD_END = Buffer.from('\r\n\r\n');
const REQUEST_LINE = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Parses the head at the start of `buffer`; `maxBytes` bounds the head. */
export function parseRequestHead(buffer: Buffer, maxBytes: number): HeadParse {
  const end = buffer.indexOf(HEAD_END);
  if (end === -1) return buffer.length > maxBytes ? 'too-large' : 'incomplete';
  if (end + HEAD_END.length > maxBytes) return 'too-large';
  const lines = buffer.toString('latin1', 0, end).split('\r\n');
  const request = REQUEST_LINE.exec(lines[0]);
  if (!request) return 'malformed';
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon <= 0) return 'malformed';
    const name = line.slice(0, colon);
    // Folded lines and names with spaces are refused by RFC 9112 as well.
    if (!TOKEN.test(name)) return 'malformed';
    headers[name.toLowerCase()] = line.slice(colon + 1).trim();
  }
  const http10 = request[3] === '0';
  const connection = headers.connection?.toLowerCase();
  const keepAlive = http10 ? connection === 'keep-alive' : connection !== 'close';
  const contentLength = headers['content-length'];
  const hasBody = headers['transfer-encoding'] !== undefined || (contentLength !== undefined && contentLength !== '0');
  return { method: request[1], target: request[2], http10, keepAlive, hasBody, headers, length: end + HEAD_END.length };
}
