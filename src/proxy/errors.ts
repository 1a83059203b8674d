// Every error a client can be shown: one table, stable codes, short bodies naming no internals.
import type { ServerResponse } from 'node:http';

export interface ProxyError {
  status: number;
  code: string;
  body: string;
}

export const PROXY_ERRORS = {
  noRoute: { status: 404, code: 'PASSTHRU_NO_ROUTE', body: 'Not Found: no application answers on this address.\n' },
  noServer: { status: 503, code: 'PASSTHRU_NO_SERVER', body: 'Service Unavailable: no server can take the request.\n' },
  upstreamFailed: { status: 502, code: 'PASSTHRU_UPSTREAM_FAILED', body: 'Bad Gateway: the server failed to answer.\n' },
  upstreamTimeout: { status: 504, code: 'PASSTHRU_UPSTREAM_TIMEOUT', body: 'Gateway Timeout: the server took too long to answer.\n' },
  notOriginForm: { status: 400, code: 'PASSTHRU_NOT_ORIGIN_FORM', body: 'Bad Request: this is a reverse proxy; send a path, not a URL.\n' },
  connect: { status: 400, code: 'PASSTHRU_CONNECT_REFUSED', body: 'Bad Request: CONNECT is not supported by a reverse proxy.\n' },
  duplicateHost: { status: 400, code: 'PASSTHRU_DUPLICATE_HOST', body: 'Bad Request: more than one Host header.\n' },
  badHost: { status: 400, code: 'PASSTHRU_BAD_HOST', body: 'Bad Request: the Host header is not a valid host[:port].\n' },
  transferCoding: { status: 501, code: 'PASSTHRU_TRANSFER_CODING', body: 'Not Implemented: only the chunked transfer coding is supported.\n' },
  notWebSocket: { status: 501, code: 'PASSTHRU_UPGRADE_UNSUPPORTED', body: 'Not Implemented: only WebSocket upgrades are proxied.\n' },
  expectation: { status: 417, code: 'PASSTHRU_EXPECTATION', body: 'Expectation Failed: only 100-continue is supported.\n' },
  tooManyHeaders: { status: 431, code: 'PASSTHRU_TOO_MANY_HEADERS', body: 'Request Header Fields Too Large.\n' },
} as const satisfies Record<string, ProxyError>;

export type ProxyErrorName = keyof typeof PROXY_ERRORS;

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** A proxy error as raw bytes, for a socket with no ServerResponse (CONNECT, upgrades); closes. */
export function rawErrorResponse(error: ProxyError): string {
  return (
    `HTTP/1.1 ${error.status} ${REASONS[error.status] ?? 'Error'}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
    `x-passthru-error: ${error.code}\r\ncontent-length: ${Buffer.byteLength(error.body)}\r\nconnection: close\r\n\r\n${error.body}`
  );
}

/** Answers with a proxy error unless a response is already under way, in which case the
 * only honest thing left is to abort the connection. */
export function sendError(res: ServerResponse, error: ProxyError, close = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(error.status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(error.body),
    'x-passthru-error': error.code,
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(error.body);
}
