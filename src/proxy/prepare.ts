// What happens to a request's headers between the client and the server, shared by plain
// requests and WebSocket upgrades: hop-by-hop removal, forwarding and connector headers, the
// request id, the target's header rules.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { applyConnector } from './connector.ts';
import { applyForwarding, publicOrigin } from './forwarding.ts';
import { stripHopByHop } from './hygiene.ts';
import { applyHeaderRules } from './rewrite.ts';
import type { TargetRuntime } from './runtime.ts';

export interface Prepared {
  /** The scheme and host the client used, for redirect rewriting. */
  scheme: string;
  host: string;
  requestId: string;
  clientIp: string;
}

export interface PrepareContext {
  clientIp: string;
  trusted: boolean;
  proto: 'http' | 'https';
  via: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function prepareRequest(req: IncomingMessage, target: TargetRuntime, ctx: PrepareContext): Prepared {
  const headers = req.headers;
  const config = target.config;
  const chunked = headers['transfer-encoding'] !== undefined;
  stripHopByHop(headers);
  // Node's parser has already de-chunked the body; re-frame it for our own hop, or a bodied
  // GET would reach the server with no framing at all.
  if (chunked) headers['transfer-encoding'] = 'chunked';
  // Node answered "100 Continue" to the client already; the server must not wait for one.
  delete headers['expect'];
  // A trusted peer's request id ties our log line to theirs; anyone else's could be forged.
  const given = headers['x-request-id'];
  const requestId = ctx.trusted && typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  headers['x-request-id'] = requestId;
  applyForwarding(headers, {
    clientIp: ctx.clientIp,
    trusted: ctx.trusted,
    proto: ctx.proto,
    mode: config.headers.forwarded,
    via: config.headers.via ? ctx.via : undefined,
  });
  const origin = publicOrigin(headers, ctx.trusted, ctx.proto);
  if (config.headers.connector === 'websphere') {
    applyConnector(headers, {
      clientIp: ctx.clientIp,
      scheme: origin.scheme,
      host: headers.host ?? '',
      httpVersion: req.httpVersion,
      trusted: ctx.trusted,
      secret: config.connectorSecret,
    });
  }
  applyHeaderRules(headers, target.rewrites.request);
  return { scheme: origin.scheme, host: origin.host, requestId, clientIp: ctx.clientIp };
}
