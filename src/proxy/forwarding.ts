// X-Forwarded-* and Via on the way to the server. Values a client sent are replaced unless the
// peer is a trusted proxy, in which case they are extended (XFF) or kept (the others).
import type { IncomingHttpHeaders } from 'node:http';
import type { ForwardedMode } from '../api/types.ts';

export interface ForwardingContext {
  clientIp: string;
  trusted: boolean;
  /** "http" or "https": how the client reached us. */
  proto: 'http' | 'https';
  mode: ForwardedMode;
  via: string | undefined; // e.g. "1.1 passthru"; undefined when headers.via is off
}

const CLIENT_CLAIMS = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'forwarded', 'x-real-ip'];

export function applyForwarding(headers: IncomingHttpHeaders, ctx: ForwardingContext): void {
  if (!ctx.trusted) {
    for (const name of CLIENT_CLAIMS) delete headers[name];
    // WebSphere connector headers ($WSRA, $WSIS, ...) let a backend believe any client address
    // or identity: only the proxy may send them.
    for (const name of Object.keys(headers)) {
      if (name.charCodeAt(0) === 36 /* $ */ && name.startsWith('$ws')) delete headers[name];
    }
  }
  if (ctx.mode === 'xForwarded' || ctx.mode === 'both') setXForwarded(headers, ctx);
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

/** The port the client addressed: from the Host header, else the scheme's default. */
export function portOf(host: string, proto: 'http' | 'https'): string {
  const bracket = host.lastIndexOf(']');
  const colon = host.lastIndexOf(':');
  if (colon > bracket && colon < host.length - 1) return host.slice(colon + 1);
  return proto === 'https' ? '443' : '80';
}
