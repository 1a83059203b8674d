// Request hygiene the HTTP parser leaves to us (QUALITY.md "Bad input").
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { PROXY_ERRORS, type ProxyError } from './errors.ts';

/** Hop-by-hop headers (RFC 9110 §7.6.1 plus the de-facto Proxy-Connection and HTTP2-Settings). */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
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
]);

/** The lower-cased header names a Connection header lists, or undefined when it has none. */
export function connectionTokens(value: unknown): Set<string> | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const names = new Set<string>();
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase();
    if (name) names.add(name);
  }
  return names;
}

/**
 * Headers a Connection header may not strip. Without Host the request has no meaning; without
 * its framing a body would reach the server unframed, where it reads as a second request
 * ("Connection: Content-Length" request smuggling).
 */
const PROTECTED = new Set(['host', 'content-length', 'transfer-encoding']);

/**
 * A Host value as RFC 9112 §3.2 allows it: a name or IPv4 address, or an IPv6 literal in
 * brackets, with an optional port. A list ("a, b"), userinfo ("u@a") or spaces would let the
 * proxy route on one host while the server believes another.
 */
const VALID_HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]*)(?::\d{0,5})?$/;

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
  const host = req.headers.host;
  if (host !== undefined && !VALID_HOST.test(host)) return PROXY_ERRORS.badHost;
  // Node has removed the chunked coding; any other coding (gzip, chunked) would be lost if the
  // body were re-framed as plain chunked, changing what the server receives.
  const te = req.headers['transfer-encoding'];
  if (te !== undefined && !onlyChunked(te)) return PROXY_ERRORS.transferCoding;
  return undefined;
}

/** "chunked", allowing the empty list elements RFC 9110 §5.6.1 permits (", chunked"). */
function onlyChunked(te: string): boolean {
  let codings = 0;
  for (const token of te.split(',')) {
    const coding = token.trim().toLowerCase();
    if (!coding) continue;
    if (coding !== 'chunked' || ++codings > 1) return false;
  }
  return codings === 1;
}

/** Removes hop-by-hop headers and every header the Connection header names, in place. */
export function stripHopByHop(headers: IncomingHttpHeaders | Record<string, unknown>): void {
  const named = connectionTokens(headers['connection']);
  if (named) for (const name of named) if (!PROTECTED.has(name)) delete headers[name];
  for (const name of HOP_BY_HOP) delete headers[name];
}
