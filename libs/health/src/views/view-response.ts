/** What every view returns: a transport writes it as is. */
export interface ViewResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Absent for bodiless answers (204). */
  readonly body?: string;
}

const NO_STORE = 'no-store';

/** An answer with a body: its type, length and `no-store`, then any headers of its own. */
export function bodyResponse(
  statusCode: number,
  contentType: string,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): ViewResponse {
  return {
    statusCode,
    headers: { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)), 'cache-control': NO_STORE, ...headers },
    body,
  };
}

export function jsonResponse(statusCode: number, payload: unknown): ViewResponse {
  return bodyResponse(statusCode, 'application/json; charset=utf-8', JSON.stringify(payload));
}

export function emptyResponse(statusCode: number): ViewResponse {
  // RFC 9110 forbids Content-Length in a 204.
  return { statusCode, headers: statusCode === 204 ? { 'cache-control': NO_STORE } : { 'cache-control': NO_STORE, 'content-length': '0' } };
}

/** The error answers of the Health API, with the reason phrase each one's body names. */
const ERRORS = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
} as const;

export type ErrorStatus = keyof typeof ERRORS;

/** Every error answer: JSON `{ statusCode, error, message }`, the message left out when there is nothing to add. */
export function errorResponse(statusCode: ErrorStatus, message?: string): ViewResponse {
  const error = ERRORS[statusCode];
  return jsonResponse(statusCode, message === undefined ? { statusCode, error } : { statusCode, error, message });
}

export function notFound(message: string): ViewResponse {
  return errorResponse(404, message);
}

export function methodNotAllowed(method: string, allow: readonly string[]): ViewResponse {
  const response = errorResponse(405, `${method} is not allowed; use ${allow.join(' or ')}`);
  return { ...response, headers: { ...response.headers, allow: allow.join(', ') } };
}
