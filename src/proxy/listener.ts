// The traffic listener: Node's HTTP server with limits set for an internet-facing proxy.
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Metrics } from '../metrics/registry.ts';
import { PROXY_ERRORS, rawErrorResponse } from './errors.ts';
import { MAX_HEADER_FIELDS } from './hygiene.ts';
import { isWebSocketUpgrade } from './upgrade.ts';
import type { Duplex } from 'node:stream';

export interface ListenerLimits {
  /** Slowloris guard: headers must arrive within this (QUALITY.md: 10 s). */
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

export const DEFAULT_LIMITS: ListenerLimits = { headersTimeoutMs: 10_000, keepAliveTimeoutMs: 60_000 };

export function createTrafficServer(
  handler: http.RequestListener,
  metrics: Metrics,
  name: string,
  limits: ListenerLimits = DEFAULT_LIMITS,
  upgrade?: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void,
): http.Server {
  const server = http.createServer(
    {
      // Only WebSocket upgrades leave the request path; h2c and unknown upgrades are served
      // as plain HTTP/1.1 with their Upgrade headers dropped (never forwarded).
      shouldUpgradeCallback: isWebSocketUpgrade,
      headersTimeout: limits.headersTimeoutMs,
      // Node only enforces the timeouts above when it checks, every 30 s by default.
      connectionsCheckingInterval: 1_000,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      maxHeaderSize: 16 * 1024, // larger header blocks get 431 from the parser
      requireHostHeader: true,
    },
    handler,
  );
  // Keep one more than the limit so the handler can tell "too many" (431) from "exactly enough".
  server.maxHeadersCount = MAX_HEADER_FIELDS + 1;

  const gauge = metrics.openConnections.labels(name);
  server.on('connection', (socket: Socket) => {
    gauge.inc();
    socket.once('close', () => gauge.dec());
  });
  // Node answers an unknown Expect with 417 but keeps reading the connection; a rejection
  // closes it (QUALITY.md). 100-continue is answered by Node itself before the handler runs.
  server.on('checkExpectation', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    const { status, body, code } = PROXY_ERRORS.expectation;
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-passthru-error': code, connection: 'close' });
    res.end(body);
  });
  if (upgrade) server.on('upgrade', upgrade);
  // A reverse proxy never tunnels: CONNECT gets a 400 and the connection closes.
  server.on('connect', (_req: http.IncomingMessage, socket: Socket) => {
    socket.on('error', () => socket.destroy());
    socket.end(rawErrorResponse(PROXY_ERRORS.connect));
  });
  return server;
}

/**
 * Stops accepting, lets requests in flight finish, and closes idle keep-alive connections as
 * they become idle; after `timeoutMs` whatever is left is cut. Resolves when all are closed.
 */
export function drainServer(server: http.Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
