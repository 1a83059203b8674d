// The outbound request path, behind one small interface so it can be tuned or replaced by
// measurement (bench/) without touching routing or balancing.
import type { IncomingMessage, ServerResponse, ClientRequest } from 'node:http';
import { createProxyServer, type ProxyServer } from 'http-proxy-3';
import type { Pool } from './upstreams.ts';

export type Outcome =
  /** The upstream answered; the response is being (or has been) relayed. */
  | { kind: 'response'; status: number }
  /** No connection could be made: nothing reached the server, another may be tried. */
  | { kind: 'connect-failed'; error: NodeJS.ErrnoException }
  /** No response headers within the response timeout. */
  | { kind: 'timeout'; error: Error }
  /** The connection broke after the request went out, or before a full response came back. */
  | { kind: 'failed'; error: NodeJS.ErrnoException; retryable: boolean };

export interface ForwardOptions {
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  /** Called once the response headers are about to be relayed: last chance to edit them. */
  onResponseHeaders: (upstream: IncomingMessage, req: IncomingMessage, res: ServerResponse) => void;
}

export interface Outbound {
  /** Sends `req` to `pool`'s server and relays the answer to `res`; `done` is called exactly once. */
  forward(req: IncomingMessage, res: ServerResponse, pool: Pool, options: ForwardOptions, done: (outcome: Outcome) => void): void;
  close(): void;
}

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ECONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL']);

interface Exchange {
  options: ForwardOptions;
  done: (outcome: Outcome) => void;
  settled: boolean;
  proxyReq?: ClientRequest;
  timer?: NodeJS.Timeout;
}

const kExchange = Symbol('passthru.exchange');
type WithExchange = IncomingMessage & { [kExchange]?: Exchange };

/** http-proxy-3 over per-server keep-alive agents. */
export class HttpProxyOutbound implements Outbound {
  private readonly proxy: ProxyServer;

  constructor() {
    this.proxy = createProxyServer({
      xfwd: false, // forwarding headers are ours (forwarding.ts): xfwd appends to client claims
      toProxy: true, // send req.url as received: no URL re-parsing or dot-segment removal
      prependPath: false,
      changeOrigin: false, // the server sees the Host the client asked for (Traefik's default)
    });
    dropDeleteLengthPass(this.proxy);
    // A ProxyServer with no 'error' listener throws; every path below also has a callback.
    this.proxy.on('error', () => {});
    this.proxy.on('proxyReq', (proxyReq, req) => this.onProxyReq(proxyReq, req as WithExchange));
    this.proxy.on('proxyRes', (proxyRes, req, res) => this.onProxyRes(proxyRes, req as WithExchange, res));
  }

  forward(req: IncomingMessage, res: ServerResponse, pool: Pool, options: ForwardOptions, done: (o: Outcome) => void): void {
    const exchange: Exchange = { options, done, settled: false };
    (req as WithExchange)[kExchange] = exchange;
    this.proxy.web(req, res, { target: pool.url, agent: pool.agent, connectTimeout: options.connectTimeoutMs }, (err) =>
      this.onError(err as NodeJS.ErrnoException, exchange),
    );
  }

  close(): void {
    this.proxy.removeAllListeners();
  }

  private onProxyReq(proxyReq: ClientRequest, req: WithExchange): void {
    const exchange = req[kExchange];
    if (!exchange) return;
    exchange.proxyReq = proxyReq;
    exchange.timer = setTimeout(() => {
      const error = Object.assign(new Error('no response headers within the response timeout'), { code: 'ERESPONSE_TIMEOUT' });
      proxyReq.destroy(error);
    }, exchange.options.responseTimeoutMs);
    exchange.timer.unref();
  }

  private onProxyRes(proxyRes: IncomingMessage, req: WithExchange, res: ServerResponse): void {
    const exchange = req[kExchange];
    if (!exchange) return;
    clearTimeout(exchange.timer);
    exchange.options.onResponseHeaders(proxyRes, req, res);
    // A body that ends early must never look complete to the client: abort its connection.
    const abortClient = (): void => {
      if (!proxyRes.complete) res.destroy();
    };
    proxyRes.on('error', abortClient);
    proxyRes.on('close', abortClient);
    settle(exchange, { kind: 'response', status: proxyRes.statusCode ?? 502 });
  }

  private onError(error: NodeJS.ErrnoException, exchange: Exchange): void {
    clearTimeout(exchange.timer);
    if (exchange.settled) return;
    const code = error.code ?? '';
    if (code === 'ERESPONSE_TIMEOUT') return settle(exchange, { kind: 'timeout', error });
    // A pooled connection the server closed while idle fails like this before it is used;
    // nothing was processed, so a bodiless request may go again on a fresh connection.
    const reused = exchange.proxyReq?.reusedSocket === true;
    if (CONNECT_ERRORS.has(code)) return settle(exchange, { kind: 'connect-failed', error });
    settle(exchange, { kind: 'failed', error, retryable: reused && code === 'ECONNRESET' });
  }
}

function settle(exchange: Exchange, outcome: Outcome): void {
  if (exchange.settled) return;
  exchange.settled = true;
  exchange.done(outcome);
}

/**
 * http-proxy-3's `deleteLength` pass rewrites a DELETE/OPTIONS without Content-Length to
 * `Content-Length: 0` and drops Transfer-Encoding, so a chunked body would follow a request
 * the server believes ended. The request's own framing is right; keep it.
 */
function dropDeleteLengthPass(proxy: ProxyServer): void {
  const internals = proxy as unknown as { webPasses?: Array<(...args: unknown[]) => unknown> };
  if (Array.isArray(internals.webPasses)) internals.webPasses = internals.webPasses.filter((pass) => pass.name !== 'deleteLength');
}
