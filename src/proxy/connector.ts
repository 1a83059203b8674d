// The WebSphere / Domino connector headers (headers.connector: websphere): how an app server
// behind IBM's plugin learns the real client. Only the proxy may send them (forwarding.ts
// removes any a client sends); with connectorSecretRef, the shared secret lets the backend
// tell the proxy from a client that reached it directly.
import type { IncomingHttpHeaders } from 'node:http';
import { hostnameOf, portOf } from './forwarding.ts';

/** The header carrying connectorSecretRef's value. $WS-prefixed, so clients can never send it. */
export const CONNECTOR_SECRET_HEADER = '$wssecret';

export interface ConnectorContext {
  clientIp: string;
  /** The public scheme the client used. */
  scheme: string;
  /** The Host the client addressed. */
  host: string;
  httpVersion: string;
  /** A trusted peer's own $WS* values are kept, as its X-Forwarded-* are. */
  trusted: boolean;
  secret: string | undefined;
}

export function applyConnector(headers: IncomingHttpHeaders, ctx: ConnectorContext): void {
  const https = ctx.scheme === 'https';
  const set = (name: string, value: string): void => {
    if (!(ctx.trusted && headers[name] !== undefined)) headers[name] = value;
  };
  set('$wsra', ctx.clientIp); // remote address
  set('$wsrh', ctx.clientIp); // remote host: no reverse DNS on the request path
  set('$wssc', ctx.scheme); // scheme
  set('$wsis', https ? 'True' : 'False'); // is secure
  set('$wssn', hostnameOf(ctx.host)); // server name: the host the client addressed
  set('$wssp', portOf(ctx.host, https ? 'https' : 'http')); // server port
  set('$wspr', `HTTP/${ctx.httpVersion}`); // protocol
  if (ctx.secret !== undefined) headers[CONNECTOR_SECRET_HEADER] = ctx.secret;
}
