// The response on its way back: the upstream's hop-by-hop headers stay on its hop.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stripHopByHop } from './hygiene.ts';

export function prepareResponseHeaders(upstream: IncomingMessage, res: ServerResponse, via: string | undefined, closing: boolean): void {
  const headers = upstream.headers;
  stripHopByHop(headers);
  // Whether the client connection stays open is decided by the client and by us (draining),
  // never by the upstream's own Connection header.
  headers.connection = closing || !res.shouldKeepAlive ? 'close' : 'keep-alive';
  if (via) headers.via = headers.via ? `${headers.via}, ${via}` : via;
}
