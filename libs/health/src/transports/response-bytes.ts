import { STATUS_CODES } from 'node:http';
import type { ViewResponse } from '../views/view-response.js';

/** A view answer as bytes: the head for keep-alive and for close, and the body. */
export interface EncodedResponse {
  readonly keepAlive: Buffer;
  readonly close: Buffer;
  readonly body?: Buffer;
}

/** Encoded once per answer object: a memoised answer is encoded once per snapshot. */
const encoded = new WeakMap<ViewResponse, EncodedResponse>();

export function encodeResponse(view: ViewResponse, keepAliveSeconds: number): EncodedResponse {
  let bytes = encoded.get(view);
  if (!bytes) {
    let head = `HTTP/1.1 ${view.statusCode} ${STATUS_CODES[view.statusCode] ?? 'Unknown'}\r\n`;
    for (const [name, value] of Object.entries(view.headers)) head += `${name}: ${value}\r\n`;
    if (!('x-content-type-options' in view.headers)) head += 'x-content-type-options: nosniff\r\n';
    bytes = {
      keepAlive: Buffer.from(`${head}connection: keep-alive\r\nkeep-alive: timeout=${keepAliveSeconds}\r\n`, 'latin1'),
      close: Buffer.from(`${head}connection: close\r\n`, 'latin1'),
      body: view.body === undefined ? undefined : Buffer.from(view.body),
    };
    encoded.set(view, bytes);
  }
  return bytes;
}

let dateSecond = -1;
let dateLine = Buffer.alloc(0);

/** `date: ...` and the blank line that ends the head, rebuilt once a second as node:http does. */
export function dateAndEnd(now = Date.now()): Buffer {
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateLine = Buffer.from(`date: ${new Date(second * 1000).toUTCString()}\r\n\r\n`, 'latin1');
  }
  return dateLine;
}
