// Forwarding headers on the way to the server: X-Forwarded-* and/or RFC 7239 Forwarded, and
// Via. Values a client sent are replaced unless the peer is a trusted proxy, in which case
// they are extended (X-Forwarded-For, Forwarded) or kept (the other X-Forwarded-*).
import type { IncomingHttpHeaders } from 'node:http';
import type { ForwardedMode } from '../api/types.ts';

export interface ForwardingContext {
  clientIp: string;
  trusted: boolean;
  /** How the client reached us: "http" or "https". */
  proto: 'http' | 'https';
  mode: ForwardedMode;
  via: string | undefined; // e.g. "1.1 passthru"; undefined when headers.via is off
}

/** Headers only a proxy may set: a client's own values would let it claim any address. */
const CLIENT_CLAIMS = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'forwarded', 'x-real-ip'];

export function applyForwarding(headers: IncomingHttpHeaders, ctx: ForwardingContext): void {
  if (!ctx.trusted) {
    for (const name of CLIENT_CLAIMS) delete headers[name];
    // WebSphere connector headers ($WSRA, $WSIS, ...) let a backend believe any client address
    // or identity: only the proxy may send them.
    for (const name in headers) {
      if (name.charCodeAt(0) === 36 /* $ */ && name.startsWith('$ws')) delete headers[name];
    }
  }
  if (ctx.mode === 'xForwarded' || ctx.mode === 'both') setXForwarded(headers, ctx);
  if (ctx.mode === 'forwarded' || ctx.mode === 'both') setForwarded(headers, ctx);
  if (ctx.via) headers['via'] = headers['via'] ? `${String(headers['via'])}, ${ctx.via}` : ctx.via;
}

function setXForwarded(headers: IncomingHttpHeaders, ctx: ForwardingContext): void {
  const host = headers.host ?? '';
  const prior = headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${String(prior)}, ${ctx.clientIp}` : ctx.clientIp;
  headers['x-forwarded-proto'] ??= ctx.proto;
  headers['x-forwarded-host'] ??= host;
  headers['x-forwarded-port'] ??= portOf(host, ctx.proto);
}

/** RFC 7239: `for=192.0.2.1;proto=http;host=example.com`, IPv6 as `for="[2001:db8::1]"`. */
function setForwarded(headers: IncomingHttpHeaders, ctx: ForwardingContext): void {
  const node = ctx.clientIp.includes(':') ? `"[${ctx.clientIp}]"` : ctx.clientIp || 'unknown';
  const element = `for=${node};proto=${ctx.proto}${headers.host ? `;host=${quoted(headers.host)}` : ''}`;
  const prior = headers['forwarded'];
  headers['forwarded'] = prior ? `${String(prior)}, ${element}` : element;
}

/** A Forwarded value: a token as is, anything else (a port's ":", brackets) quoted. */
function quoted(value: string): string {
  return /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(value) ? value : `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

/** The port the client addressed: from the Host header, else the scheme's default. */
export function portOf(host: string, proto: 'http' | 'https'): string {
  const bracket = host.lastIndexOf(']');
  const colon = host.lastIndexOf(':');
  if (colon > bracket && colon < host.length - 1) return host.slice(colon + 1);
  return proto === 'https' ? '443' : '80';
}

/** The host name the client addressed, without its port. */
export function hostnameOf(host: string): string {
  const bracket = host.lastIndexOf(']');
  const colon = host.lastIndexOf(':');
  return colon > bracket ? host.slice(0, colon) : host;
}

/**
 * The scheme and authority the client used, as the proxy's public face: what redirects are
 * rewritten to. A trusted proxy in front (a TLS-terminating load balancer) may say it was
 * https and which host; otherwise it is how the client reached us.
 */
export function publicOrigin(headers: IncomingHttpHeaders, trusted: boolean, proto: 'http' | 'https'): { scheme: string; host: string } {
  const claimedProto = trusted ? firstValue(headers['x-forwarded-proto']) : undefined;
  const claimedHost = trusted ? firstValue(headers['x-forwarded-host']) : undefined;
  const scheme = claimedProto === 'https' || claimedProto === 'http' ? claimedProto : proto;
  return { scheme, host: claimedHost || headers.host || '' };
}

function firstValue(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const comma = v.indexOf(',');
  return (comma < 0 ? v : v.slice(0, comma)).trim().toLowerCase() || undefined;
}
