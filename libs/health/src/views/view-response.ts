/** What every view returns: a transport writes it as is. */
export interface ViewResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Absent for bodiless answers (204). */
  readonly body?: string;
}

const NO_STORE = 'no-store';

export function jsonResponse(statusCode: number, payload: unknown): ViewResponse {
  const body = JSON.stringify(payload);
  return {
    statusCode,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      'cache-control': NO_STORE,
    },
    body,
  };
}

export function emptyResponse(statusCode: number): ViewResponse {
  // RFC 9110 forbids Content-Length in a 204.
  return { statusCode, headers: statusCode === 204 ? { 'cache-control': NO_STORE } : { 'cache-control': NO_STORE, 'content-length': '0' } };
}

export function notFound(message: string): ViewResponse {
  return jsonResponse(404, { statusCode: 404, error: 'Not Found', message });
}

export function methodNotAllowed(method: string, allow: readonly string[]): ViewResponse {
  const response = jsonResponse(405, {
    statusCode: 405,
    error: 'Method Not Allowed',
    message: `${method} is not allowed; use ${allow.join(' or ')}`,
  });
  return { ...response, headers: { ...response.headers, allow: allow.join(', ') } };
}
