// The request handler: refuse what a reverse proxy must not carry, route, pick a server
// (the session's pinned server first, then the target's balancing method), forward, fail over
// where it is safe, answer errors from the one table, and record the outcome.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { insertedCookie } from '../balancer/sticky.ts';
import type { HealthRegistry } from '../health/registry.ts';
import type { FailureKind } from '../health/server-state.ts';
import { methodLabel, NO_SERVER, NO_TARGET, type Metrics } from '../metrics/registry.ts';
import { normalizeHost, pathOf } from '../routing/match.ts';
import type { Store } from '../routing/store.ts';
import { PROXY_ERRORS, sendError, type ProxyError } from './errors.ts';
import { rejectReason } from './hygiene.ts';
import { prepareRequest, type Prepared } from './prepare.ts';
import { stripRoot } from './rewrite.ts';
import { selectFirst } from './select.ts';
import type { ForwardOptions, Outbound, Outcome } from './outbound.ts';
import { relay } from './relay.ts';
import type { RuntimeTable, ServerRuntime, TargetRuntime } from './runtime.ts';
import { clientAddress, type TrustedProxies } from './trust.ts';

/** What both the request handler and the upgrade handler work with. */
export interface ProxyDeps {
  store: Store<RuntimeTable>;
  outbound: Outbound;
  health: HealthRegistry;
  trusted: TrustedProxies;
  metrics: Metrics;
  logger: Logger;
  proto: 'http' | 'https';
  /** The Via pseudonym: "1.1 <name>". */
  viaName: string;
}

export interface HandlerDeps extends ProxyDeps {
  /** A pino logger for access lines, or undefined when --access-log is off. */
  accessLog: Logger | undefined;
  isDraining: () => boolean;
  /** Called when a response is over; the listener uses it to close idle connections while draining. */
  onResponseDone: () => void;
}

/** "Client Closed Request", as nginx logs it: the client went away before an answer. */
const CLIENT_GONE = 499;
/** Resets on reused pooled sockets retried per request (the server closed them while idle). */
const MAX_STALE_RETRIES = 2;
/** Envoy's retry budget: retries at most 20% of the target's requests in flight, at least 3. */
const RETRY_BUDGET_RATIO = 0.2;
const RETRY_BUDGET_MIN = 3;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  target: TargetRuntime | undefined;
  server: ServerRuntime | undefined;
  /** Servers already tried for this request; made on the first retry. */
  tried: Set<ServerRuntime> | undefined;
  retries: number;
  retried: boolean;
  staleRetries: number;
  hasBody: boolean;
  /** The session's route, and whether the request must stay on it (noFailover). */
  route: string | undefined;
  pinnedNoFailover: boolean;
  attemptOpen: boolean;
  attemptStarted: number;
  /** Time to the last attempt's response headers, for the access log. */
  upstreamMs: number | undefined;
  started: number;
  contextRoot: string;
  originalPath: string | undefined;
  prepared: Prepared | undefined;
}

const kLastRead = Symbol('passthru.lastBytesRead');
const kLastWritten = Symbol('passthru.lastBytesWritten');
type CountedSocket = Socket & { [kLastRead]?: number; [kLastWritten]?: number };

export function createHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { health, metrics } = deps;
  const via = `1.1 ${deps.viaName}`;
  const forwardOptions = new WeakMap<TargetRuntime, [ForwardOptions, ForwardOptions]>();

  const optionsFor = (target: TargetRuntime, hasBody: boolean): ForwardOptions => {
    let pair = forwardOptions.get(target);
    if (!pair) {
      const { connectMs, responseMs } = target.config.timeouts;
      pair = [
        { connectTimeoutMs: connectMs, responseTimeoutMs: responseMs, hasBody: false },
        { connectTimeoutMs: connectMs, responseTimeoutMs: responseMs, hasBody: true },
      ];
      forwardOptions.set(target, pair);
    }
    return pair[hasBody ? 1 : 0];
  };

  const fail = (ex: Exchange, error: ProxyError): void => {
    if (ex.res.headersSent || ex.res.destroyed) {
      ex.res.destroy();
      return;
    }
    sendError(ex.res, error, deps.isDraining());
  };

  const endAttempt = (ex: Exchange): void => {
    if (!ex.attemptOpen) return;
    ex.attemptOpen = false;
    ex.server!.state.inFlight--;
  };

  const attempt = (ex: Exchange, server: ServerRuntime | undefined): void => {
    if (!server) return fail(ex, PROXY_ERRORS.noServer);
    ex.server = server;
    server.state.inFlight++;
    server.state.requests++;
    ex.attemptOpen = true;
    ex.attemptStarted = performance.now();
    deps.outbound.forward(ex.req, ex.res, server.pool, optionsFor(ex.target!, ex.hasBody), (outcome) => onOutcome(ex, server, outcome));
  };

  /** May this request go to another server after `why` went wrong? */
  const mayRetry = (ex: Exchange, why: 'connect' | 'response'): boolean => {
    const target = ex.target!;
    if (ex.pinnedNoFailover || ex.retries >= target.config.retries) return false;
    // After the request reached a server, only what is safe to repeat may be repeated.
    if (why === 'response' && (ex.hasBody || !IDEMPOTENT.has(ex.req.method ?? ''))) return false;
    if (ex.retried) return true;
    const budget = Math.max(RETRY_BUDGET_MIN, Math.floor(RETRY_BUDGET_RATIO * target.load.inFlight));
    return target.load.retrying < budget;
  };

  /** The next untried server, or undefined. */
  const nextServer = (ex: Exchange, failed: ServerRuntime): ServerRuntime | undefined => {
    (ex.tried ??= new Set()).add(failed);
    return ex.target!.balancer.pick(ex.tried);
  };

  const retry = (ex: Exchange, next: ServerRuntime): void => {
    const target = ex.target!;
    if (!ex.retried) {
      ex.retried = true;
      target.load.retrying++;
    }
    ex.retries++;
    metrics.retries.labels(target.config.id).inc();
    attempt(ex, next);
  };

  const onOutcome = (ex: Exchange, server: ServerRuntime, outcome: Outcome): void => {
    const target = ex.target!;
    if (outcome.kind === 'response') {
      const upstream = outcome.upstream;
      const status = upstream.statusCode ?? 502;
      const upstreamSeconds = (performance.now() - ex.attemptStarted) / 1000;
      ex.upstreamMs = Math.round(upstreamSeconds * 1e6) / 1e3;
      metrics.upstreamDuration.labels(target.config.id, server.route).observe(upstreamSeconds);
      if (status >= 502 && status <= 504) {
        health.failed(server.state, 'gateway_error');
        const next = mayRetry(ex, 'response') ? nextServer(ex, server) : undefined;
        if (next && !ex.res.destroyed) {
          endAttempt(ex);
          upstream.resume(); // read the error body so the connection returns to the pool
          return retry(ex, next);
        }
      } else {
        health.succeeded(server.state);
      }
      if (ex.res.destroyed) {
        upstream.destroy();
        return;
      }
      const sticky = target.config.sticky;
      const prepared = ex.prepared!;
      const extra = ['X-Request-Id', prepared.requestId];
      if (sticky?.insert && ex.route !== server.route) extra.push('Set-Cookie', insertedCookie(sticky.cookie, server.route));
      relay(upstream, ex.res, {
        via: target.config.headers.via ? via : undefined,
        close: deps.isDraining(),
        extra,
        rewrites: target.rewrites,
        context: { scheme: prepared.scheme, host: prepared.host, contextRoot: ex.contextRoot },
      });
      return;
    }

    endAttempt(ex);
    if (ex.res.destroyed) return; // the client is gone; nothing left to answer
    const stale = outcome.kind === 'failed' && outcome.stale && !ex.hasBody && ex.staleRetries < MAX_STALE_RETRIES;
    if (stale) {
      ex.staleRetries++;
      return attempt(ex, server); // same server, fresh connection: it never saw the request
    }
    const kind: FailureKind = outcome.kind === 'connect-failed' ? 'connect_failure' : outcome.kind === 'timeout' ? 'timeout' : 'reset';
    deps.logger[kind === 'connect_failure' ? 'warn' : 'error'](
      { target: target.config.id, server: server.route, code: outcome.error.code, err: outcome.error.message },
      `upstream ${outcome.kind}`,
    );
    health.failed(server.state, kind);
    switch (outcome.kind) {
      case 'connect-failed': {
        // Nothing reached the server and the body is still unread: any method may move on.
        const next = mayRetry(ex, 'connect') ? nextServer(ex, server) : undefined;
        return next ? retry(ex, next) : fail(ex, PROXY_ERRORS.noServer);
      }
      case 'timeout':
        return fail(ex, PROXY_ERRORS.upstreamTimeout);
      case 'failed': {
        const next = mayRetry(ex, 'response') ? nextServer(ex, server) : undefined;
        return next ? retry(ex, next) : fail(ex, PROXY_ERRORS.upstreamFailed);
      }
    }
  };

  const finish = (ex: Exchange): void => {
    const { res, req } = ex;
    endAttempt(ex);
    const code = res.headersSent ? res.statusCode : CLIENT_GONE;
    const targetId = ex.target?.config.id ?? NO_TARGET;
    const server = ex.server?.route ?? NO_SERVER;
    const seconds = (performance.now() - ex.started) / 1000;
    // Bytes on the connection since the previous exchange on it ended: this request's head and
    // body in, this response out.
    const socket = req.socket as CountedSocket;
    const bytesIn = socket.bytesRead - (socket[kLastRead] ?? 0);
    const bytesOut = socket.bytesWritten - (socket[kLastWritten] ?? 0);
    socket[kLastRead] = socket.bytesRead;
    socket[kLastWritten] = socket.bytesWritten;
    if (ex.target) {
      ex.target.load.inFlight--;
      if (ex.retried) ex.target.load.retrying--;
      metrics.bytesReceived.labels(targetId).inc(bytesIn);
      metrics.bytesSent.labels(targetId).inc(bytesOut);
      if (ex.server) ex.server.state.traffic += bytesIn + bytesOut;
    }
    metrics.requests.labels(targetId, server, methodLabel(req.method), String(code)).inc();
    metrics.requestDuration.labels(targetId).observe(seconds);
    deps.accessLog?.info({
      requestId: ex.prepared?.requestId,
      target: targetId,
      server,
      method: req.method,
      // the path as the client sent it, without the query or ;parameters (which may carry
      // tokens and session ids, e.g. ;jsessionid=...)
      path: loggablePath(ex.originalPath ?? pathOf(req.url ?? '')),
      status: code,
      bytesIn,
      bytesOut,
      durationMs: Math.round(seconds * 1e6) / 1e3,
      upstreamMs: ex.upstreamMs,
      retries: ex.retries,
      client: clientAddress(req.socket.remoteAddress),
    });
    deps.onResponseDone();
  };

  return (req, res) => {
    const ex: Exchange = {
      req,
      res,
      target: undefined,
      server: undefined,
      tried: undefined,
      retries: 0,
      retried: false,
      staleRetries: 0,
      hasBody: hasBody(req),
      route: undefined,
      pinnedNoFailover: false,
      attemptOpen: false,
      attemptStarted: 0,
      upstreamMs: undefined,
      started: performance.now(),
      contextRoot: '/',
      originalPath: undefined,
      prepared: undefined,
    };
    res.once('close', () => finish(ex));

    const refused = rejectReason(req);
    if (refused) {
      sendError(res, refused, true);
      return;
    }
    const match = deps.store.current().match(normalizeHost(req.headers.host), pathOf(req.url!));
    if (!match) {
      sendError(res, PROXY_ERRORS.noRoute, deps.isDraining());
      return;
    }
    const target = match.target;
    ex.target = target;
    target.load.inFlight++;

    ex.contextRoot = match.contextRoot;
    const remote = clientAddress(req.socket.remoteAddress);
    ex.prepared = prepareRequest(req, target, { clientIp: remote, trusted: deps.trusted.has(remote), proto: deps.proto, via });

    const selection = selectFirst(req, target, health.now());
    ex.route = selection.route;
    ex.pinnedNoFailover = selection.pinned;
    if (selection.refused) {
      // The session's server is down and the session must not move: keep the pin, say 503.
      ex.server = selection.server;
      return fail(ex, PROXY_ERRORS.noServer);
    }
    if (target.rewrites.stripContextRoot) {
      ex.originalPath = pathOf(req.url!);
      req.url = stripRoot(req.url!, match.contextRoot);
    }
    attempt(ex, selection.server);
  };
}

/** A path fit for logs: each segment without its ;parameters. */
export function loggablePath(path: string): string {
  return path.includes(';') ? path.replace(/;[^/]*/g, '') : path;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
