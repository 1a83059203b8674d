// Relays an upstream response to the client: status, headers minus the upstream's hop-by-hop
// ones (rewritten per the target's rules), and the body; a body that ends early aborts the
// client connection so a cut response never looks complete.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connectionTokens, HOP_BY_HOP } from './hygiene.ts';
import { rewriteResponseHeader, type ResponseContext, type TargetRewrites } from './rewrite.ts';

export interface RelayOptions {
  /** "1.1 passthru", or undefined when headers.via is off. */
  via: string | undefined;
  /** Close the client connection after this response (draining, or the client asked). */
  close: boolean;
  /** Extra headers (name, value pairs): the sticky cookie passthru inserts, the request id. */
  extra?: readonly string[];
  rewrites: TargetRewrites;
  context: ResponseContext;
}

export function relay(upstream: IncomingMessage, res: ServerResponse, options: RelayOptions): void {
  const raw = upstream.rawHeaders;
  const named = connectionTokens(upstream.headers.connection);
  const rw = options.rewrites;
  // Raw pairs keep the server's casing and every Set-Cookie as a separate header.
  let headers: string[] = [];
  let via: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named?.has(lower)) continue;
    let value = raw[i + 1]!;
    if (lower === 'via') {
      via = via ? `${via}, ${value}` : value;
      continue;
    }
    if (rw.touchesResponse) value = rewriteResponseHeader(lower, value, rw, options.context) ?? value;
    headers.push(name, value);
  }
  if (options.via) via = via ? `${via}, ${options.via}` : options.via;
  if (via) headers.push('Via', via);
  if (options.extra) headers.push(...options.extra);
  // headers.response comes last, so `remove` wins over the upstream and over our own additions.
  if (rw.response) headers = applyRules(headers, rw.response.remove, rw.response.set);
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

function applyRules(pairs: string[], remove: readonly string[], set: ReadonlyArray<readonly [string, string]>): string[] {
  const drop = new Set([...remove, ...set.map(([n]) => n)]);
  const out: string[] = [];
  for (let i = 0; i < pairs.length; i += 2) if (!drop.has(pairs[i]!.toLowerCase())) out.push(pairs[i]!, pairs[i + 1]!);
  for (const [name, value] of set) out.push(name, value);
  return out;
}
