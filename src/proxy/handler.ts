// The request handler: refuse what a reverse proxy must not carry, route, pick a server,
// forward, fail over where it is safe, answer errors from the one table, record the outcome.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { methodLabel, NO_SERVER, NO_TARGET, type Metrics } from '../metrics/registry.ts';
import { normalizeHost, pathOf } from '../routing/match.ts';
import type { Store } from '../routing/store.ts';
import { PROXY_ERRORS, sendError, type ProxyError } from './errors.ts';
import { applyForwarding } from './forwarding.ts';
import { rejectReason, stripHopByHop } from './hygiene.ts';
import type { Outbound, Outcome, ForwardOptions } from './outbound.ts';
import { prepareResponseHeaders } from './response-headers.ts';
import type { RuntimeTable, ServerRuntime, TargetRuntime } from './runtime.ts';
import { clientAddress, type TrustedProxies } from './trust.ts';

export interface HandlerDeps {
  store: Store<RuntimeTable>;
  outbound: Outbound;
  trusted: TrustedProxies;
  metrics: Metrics;
  logger: Logger;
  /** A pino logger for access lines, or undefined when --access-log is off. */
  accessLog: Logger | undefined;
  proto: 'http' | 'https';
  /** The Via pseudonym: "1.1 <name>". */
  viaName: string;
  isDraining: () => boolean;
  /** Called when a response is over; the listener uses it to close idle connections while draining. */
  onResponseDone: () => void;
}

/** "Client Closed Request", as nginx logs it: the client went away before an answer. */
const CLIENT_GONE = 499;
/** Resets on reused pooled sockets retried per request (the server closed them while idle). */
const MAX_STALE_RETRIES = 2;

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  target: TargetRuntime | undefined;
  server: ServerRuntime | undefined;
  tried: Set<ServerRuntime> | undefined;
  staleRetries: number;
  hasBody: boolean;
  started: number;
}

export function createHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const via = `1.1 ${deps.viaName}`;
  const forwardOptions = new WeakMap<TargetRuntime, ForwardOptions>();

  const optionsFor = (target: TargetRuntime): ForwardOptions => {
    let options = forwardOptions.get(target);
    if (!options) {
      const { timeouts, headers } = target.config;
      options = {
        connectTimeoutMs: timeouts.connectMs,
        responseTimeoutMs: timeouts.responseMs,
        onResponseHeaders: (upstream, _req, res) =>
          prepareResponseHeaders(upstream, res, headers.via ? via : undefined, deps.isDraining()),
      };
      forwardOptions.set(target, options);
    }
    return options;
  };

  const fail = (ex: Exchange, error: ProxyError): void => {
    if (ex.res.headersSent || ex.res.destroyed) {
      ex.res.destroy();
      return;
    }
    sendError(ex.res, error, deps.isDraining());
  };

  const attempt = (ex: Exchange, server: ServerRuntime | undefined): void => {
    const target = ex.target!;
    if (!server) return fail(ex, PROXY_ERRORS.noServer);
    ex.server = server;
    deps.outbound.forward(ex.req, ex.res, server.pool, optionsFor(target), (outcome) => onOutcome(ex, server, outcome));
  };

  const onOutcome = (ex: Exchange, server: ServerRuntime, outcome: Outcome): void => {
    if (outcome.kind === 'response') return;
    if (ex.res.destroyed) return; // the client is gone; nothing left to answer
    const level = outcome.kind === 'connect-failed' ? 'warn' : 'error';
    deps.logger[level](
      { target: ex.target!.config.id, server: server.route, code: (outcome.error as NodeJS.ErrnoException).code, err: outcome.error.message },
      `upstream ${outcome.kind}`,
    );
    switch (outcome.kind) {
      case 'connect-failed':
        // Nothing reached the server. A bodiless request can go to another one; a body has
        // been consumed by the failed attempt and cannot be replayed.
        if (ex.hasBody) return fail(ex, PROXY_ERRORS.noServer);
        (ex.tried ??= new Set()).add(server);
        return attempt(ex, ex.target!.balancer.pick(ex.tried));
      case 'timeout':
        return fail(ex, PROXY_ERRORS.upstreamTimeout);
      case 'failed':
        if (outcome.retryable && !ex.hasBody && ex.staleRetries++ < MAX_STALE_RETRIES) return attempt(ex, server);
        return fail(ex, PROXY_ERRORS.upstreamFailed);
    }
  };

  const record = (ex: Exchange): void => {
    const { res, req } = ex;
    const code = res.headersSent ? res.statusCode : CLIENT_GONE;
    const target = ex.target?.config.id ?? NO_TARGET;
    const server = ex.server?.route ?? NO_SERVER;
    const seconds = (performance.now() - ex.started) / 1000;
    deps.metrics.requests.labels(target, server, methodLabel(req.method), String(code)).inc();
    deps.metrics.requestDuration.labels(target).observe(seconds);
    deps.accessLog?.info({
      target,
      server,
      method: req.method,
      path: pathOf(req.url ?? ''),
      status: code,
      durationMs: Math.round(seconds * 1e6) / 1e3,
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
      staleRetries: 0,
      hasBody: hasBody(req),
      started: performance.now(),
    };
    res.once('close', () => record(ex));

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

    const headers = req.headers;
    const chunked = headers['transfer-encoding'] !== undefined;
    stripHopByHop(headers);
    // Node's parser has already de-chunked the body; re-frame it for our own hop, or a bodied
    // GET would reach the server with no framing at all.
    if (chunked) headers['transfer-encoding'] = 'chunked';
    const remote = clientAddress(req.socket.remoteAddress);
    applyForwarding(headers, {
      clientIp: remote,
      trusted: deps.trusted.has(remote),
      proto: deps.proto,
      mode: target.config.headers.forwarded,
      via: target.config.headers.via ? via : undefined,
    });
    attempt(ex, target.balancer.pick());
  };
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
