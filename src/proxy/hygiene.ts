// Request hygiene the HTTP parser leaves to us (QUALITY.md "Bad input").
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { PROXY_ERRORS, type ProxyError } from './errors.ts';

/** Hop-by-hop headers (RFC 9110 §7.6.1 plus the de-facto Proxy-Connection and HTTP2-Settings). */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
];

/** Headers a Connection header may not strip: without Host the request has no meaning. */
const PROTECTED = new Set(['host']);

export const MAX_HEADER_FIELDS = 100;

/** Why a request must be refused before routing, or undefined when it may proceed. */
export function rejectReason(req: IncomingMessage): ProxyError | undefined {
  const url = req.url ?? '';
  // Absolute-form ("GET http://elsewhere/") and asterisk-form targets make a forward proxy.
  if (url.charCodeAt(0) !== 47 /* / */) return PROXY_ERRORS.notOriginForm;
  const raw = req.rawHeaders;
  if (raw.length > MAX_HEADER_FIELDS * 2) return PROXY_ERRORS.tooManyHeaders;
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host' && ++hosts > 1) return PROXY_ERRORS.duplicateHost;
  }
  return undefined;
}

/** Removes hop-by-hop headers and every header the Connection header names, in place. */
export function stripHopByHop(headers: IncomingHttpHeaders | Record<string, unknown>): void {
  const connection = headers['connection'];
  if (typeof connection === 'string') {
    for (const token of connection.split(',')) {
      const name = token.trim().toLowerCase();
      if (name && !PROTECTED.has(name)) delete headers[name];
    }
  }
  for (const name of HOP_BY_HOP) delete headers[name];
}
