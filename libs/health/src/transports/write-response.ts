import type { ServerResponse } from 'node:http';
import type { ViewResponse } from '../views/view-response.js';

interface FastifyLikeReply {
  raw: ServerResponse;
  hijack(): void;
}

const NOSNIFF = { 'x-content-type-options': 'nosniff' };

/**
 * Answers one connection may leave unread in the listener's memory. Every answer path writes the next
 * answer only once the client has taken the previous one, so only an answer bigger than this reaches it;
 * a connection past it is closed, as is one whose client reads nothing for the idle timeout.
 */
export const MAX_UNREAD_BYTES = 1024 * 1024;

/** Writes a view answer straight to the socket, on Express, Fastify or a bare node:http response. */
export function writeResponse(response: ServerResponse | FastifyLikeReply, view: ViewResponse, method: string): void {
  let raw: ServerResponse;
  if ('raw' in response && typeof response.hijack === 'function') {
    response.hijack();
    raw = response.raw;
  } else {
    raw = response as ServerResponse;
  }
  if (raw.headersSent) return;
  raw.writeHead(view.statusCode, 'x-content-type-options' in view.headers ? view.headers : { ...view.headers, ...NOSNIFF });
  raw.end(method === 'HEAD' ? undefined : view.body);
}
