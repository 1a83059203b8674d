// WebSocket: `Upgrade: websocket` requests take the same route, server choice (stickiness
// included), forwarding and connector headers as any request, then the two connections are
// joined. Idle and maximum-lifetime timeouts close both sides. Other upgrades never get here
// (the listener's shouldUpgradeCallback serves them as plain HTTP/1.1).
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { insertedCookie } from '../balancer/sticky.ts';
import { methodLabel, NO_SERVER } from '../metrics/registry.ts';
import { normalizeHost, pathOf } from '../routing/match.ts';
import { PROXY_ERRORS, rawErrorResponse, type ProxyError } from './errors.ts';
import { rejectReason } from './hygiene.ts';
import { prepareRequest } from './prepare.ts';
import { stripRoot } from './rewrite.ts';
import { selectFirst } from './select.ts';
import { clientAddress } from './trust.ts';
import type { ProxyDeps } from './handler.ts';

export interface UpgradeDeps extends ProxyDeps {
  /** A WebSocket lives at most this long, however busy (default 24 h). */
  maxLifetimeMs: number;
}

/** Only WebSocket upgrades are proxied; h2c and the rest are served as plain HTTP/1.1. */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade;
  return req.method === 'GET' && typeof upgrade === 'string' && upgrade.toLowerCase() === 'websocket';
}

export function createUpgradeHandler(deps: UpgradeDeps): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const via = `1.1 ${deps.viaName}`;
  return (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const started = performance.now();
    const refused = rejectReason(req);
    if (refused) return answer(socket, refused);
    if (!isWebSocketUpgrade(req)) return answer(socket, PROXY_ERRORS.notWebSocket); // only when shouldUpgradeCallback is unavailable
    const match = deps.store.current().match(normalizeHost(req.headers.host), pathOf(req.url!));
    const record = (target: string, server: string, code: number): void => {
      deps.metrics.requests.labels(target, server, methodLabel(req.method), String(code)).inc();
      deps.metrics.requestDuration.labels(target).observe((performance.now() - started) / 1000);
    };
    if (!match) {
      record('none', NO_SERVER, 404);
      return answer(socket, PROXY_ERRORS.noRoute);
    }
    const target = match.target;
    const id = target.config.id;
    const remote = clientAddress(req.socket.remoteAddress);
    const prepared = prepareRequest(req, target, { clientIp: remote, trusted: deps.trusted.has(remote), proto: deps.proto, via });
    // prepareRequest dropped the hop-by-hop headers; this hop is an upgrade of its own.
    req.headers.connection = 'Upgrade';
    req.headers.upgrade = 'websocket';
    const selection = selectFirst(req, target, deps.health.now());
    const server = selection.server;
    if (!server || selection.refused) {
      record(id, server?.route ?? NO_SERVER, 503);
      return answer(socket, PROXY_ERRORS.noServer);
    }
    if (target.rewrites.stripContextRoot) req.url = stripRoot(req.url!, match.contextRoot);

    const state = server.state;
    state.inFlight++;
    state.requests++;
    let open = true;
    const close = (code: number): void => {
      if (!open) return;
      open = false;
      state.inFlight--;
      record(id, server.route, code);
    };
    const sticky = target.config.sticky;
    deps.outbound.upgrade(
      req,
      socket,
      head,
      server.pool,
      target.config.timeouts.connectMs,
      (upstream) => {
        if (sticky?.insert && selection.route !== server.route) upstream.headers['set-cookie'] = [insertedCookie(sticky.cookie, server.route)];
        upstream.headers['x-request-id'] = prepared.requestId;
      },
      (outcome) => {
        switch (outcome.kind) {
          case 'upgraded': {
            deps.health.succeeded(state);
            // Idle: no byte either way for timeouts.idle; lifetime: closed however busy.
            (socket as Socket).setTimeout(target.config.timeouts.idleMs, () => socket.destroy());
            const lifetime = setTimeout(() => socket.destroy(), deps.maxLifetimeMs);
            lifetime.unref();
            socket.once('close', () => {
              clearTimeout(lifetime);
              close(101);
            });
            return;
          }
          case 'declined':
            socket.once('close', () => close(outcome.status));
            return;
          case 'connect-failed':
          case 'failed': {
            deps.health.failed(state, outcome.kind === 'connect-failed' ? 'connect_failure' : 'reset');
            deps.logger.warn({ target: id, server: server.route, code: outcome.error.code, err: outcome.error.message }, `websocket upstream ${outcome.kind}`);
            const error = outcome.kind === 'connect-failed' ? PROXY_ERRORS.noServer : PROXY_ERRORS.upstreamFailed;
            close(error.status);
            // http-proxy-3 ends the socket right after this; the answer goes out first.
            if (socket.writable) socket.write(rawErrorResponse(error));
            return;
          }
        }
      },
    );
  };
}

function answer(socket: Duplex, error: ProxyError): void {
  socket.end(rawErrorResponse(error));
}
