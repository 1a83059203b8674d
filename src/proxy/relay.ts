// Relays an upstream response to the client: status, headers minus the upstream's hop-by-hop
// ones, and the body; a body that ends early aborts the client connection so a cut response
// never looks complete.
import type { IncomingMessage, ServerResponse } from 'node:http';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export interface RelayOptions {
  /** "1.1 passthru", or undefined when headers.via is off. */
  via: string | undefined;
  /** Close the client connection after this response (draining, or the client asked). */
  close: boolean;
  /** Extra headers (name, value pairs), e.g. the sticky cookie passthru inserts. */
  extra?: readonly string[];
}

export function relay(upstream: IncomingMessage, res: ServerResponse, options: RelayOptions): void {
  const raw = upstream.rawHeaders;
  const named = connectionTokens(upstream.headers.connection);
  // Raw pairs keep the server's casing and every Set-Cookie as a separate header.
  const headers: string[] = [];
  let via: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named?.has(lower)) continue;
    if (lower === 'via') {
      via = via ? `${via}, ${raw[i + 1]}` : raw[i + 1];
      continue;
    }
    headers.push(name, raw[i + 1]!);
  }
  if (options.via) via = via ? `${via}, ${options.via}` : options.via;
  if (via) headers.push('Via', via);
  if (options.extra) headers.push(...options.extra);
  // Whether the client connection stays open is decided by the client and by us, never by the
  // upstream's own Connection header.
  headers.push('Connection', options.close || !res.shouldKeepAlive ? 'close' : 'keep-alive');
  res.writeHead(upstream.statusCode ?? 502, upstream.statusMessage, headers);

  const abortClient = (): void => {
    if (!upstream.complete) res.destroy();
  };
  upstream.on('error', abortClient);
  upstream.on('close', abortClient);
  upstream.pipe(res);
}

function connectionTokens(value: string | undefined): Set<string> | undefined {
  if (!value) return undefined;
  return new Set(value.split(',').map((t) => t.trim().toLowerCase()));
}
