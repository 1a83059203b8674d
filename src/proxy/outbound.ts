// The outbound request path, behind one small interface so it can be tuned or replaced by
// measurement (bench/) without touching routing or balancing.
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import { createProxyServer, type ProxyServer } from 'http-proxy-3';
import type { Pool } from './upstreams.ts';

export type Outcome =
  /** The upstream answered; nothing has been relayed yet: the handler relays or retries. */
  | { kind: 'response'; upstream: IncomingMessage }
  /** No connection could be made: nothing reached the server and the body is untouched. */
  | { kind: 'connect-failed'; error: NodeJS.ErrnoException }
  /** No response headers within the response timeout. */
  | { kind: 'timeout'; error: NodeJS.ErrnoException }
  /** The connection broke after the request went out. `stale`: on a reused pooled socket. */
  | { kind: 'failed'; error: NodeJS.ErrnoException; stale: boolean };

export interface ForwardOptions {
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  /** The request has a body: it is held back until the connection is up, so a failed
   * connect leaves it unread and another server can be tried. */
  hasBody: boolean;
}

export type UpgradeOutcome =
  /** The server switched protocols; the two sockets are joined. */
  | { kind: 'upgraded'; upstream: IncomingMessage }
  /** The server answered without switching (e.g. 403); that answer was relayed as is. */
  | { kind: 'declined'; status: number }
  /** No connection, or it broke before the switch: the client socket is being closed. */
  | { kind: 'connect-failed' | 'failed'; error: NodeJS.ErrnoException };

export interface Outbound {
  /** Sends `req` to `pool`'s server; `done` is called exactly once, unless the client left. */
  forward(req: IncomingMessage, res: ServerResponse, pool: Pool, options: ForwardOptions, done: (outcome: Outcome) => void): void;
  /**
   * Proxies a WebSocket upgrade over a fresh connection (never a pooled one: it is taken over
   * by the new protocol). `onSwitch` may still edit the 101's headers; `done` runs once.
   */
  upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    pool: Pool,
    connectTimeoutMs: number,
    onSwitch: (upstream: IncomingMessage) => void,
    done: (outcome: UpgradeOutcome) => void,
  ): void;
  close(): void;
}

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ECONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL']);

interface Exchange {
  options: ForwardOptions;
  done: (outcome: Outcome) => void;
  settled: boolean;
  gate: PassThrough | undefined;
  proxyReq?: ClientRequest;
  timer?: NodeJS.Timeout;
}

const kExchange = Symbol('passthru.exchange');
type WithExchange = IncomingMessage & { [kExchange]?: Exchange };

interface UpgradeExchange {
  onSwitch: (upstream: IncomingMessage) => void;
  done: (outcome: UpgradeOutcome) => void;
  settled: boolean;
}
const kUpgrade = Symbol('passthru.upgrade');
type WithUpgrade = IncomingMessage & { [kUpgrade]?: UpgradeExchange };

function settleUpgrade(upgrade: UpgradeExchange, outcome: UpgradeOutcome): void {
  if (upgrade.settled) return;
  upgrade.settled = true;
  upgrade.done(outcome);
}

/** http-proxy-3 over per-server keep-alive agents; responses are handed back, not relayed. */
export class HttpProxyOutbound implements Outbound {
  private readonly proxy: ProxyServer;

  constructor() {
    this.proxy = createProxyServer({
      xfwd: false, // forwarding headers are ours (forwarding.ts): xfwd appends to client claims
      toProxy: true, // send req.url as received: no URL re-parsing or dot-segment removal
      prependPath: false,
      changeOrigin: false, // the server sees the Host the client asked for (Traefik's default)
      selfHandleResponse: true, // the handler relays, or drains a 502/503/504 and retries
    });
    dropDeleteLengthPass(this.proxy);
    // A ProxyServer with no 'error' listener throws; every path below also has a callback.
    this.proxy.on('error', () => {});
    this.proxy.on('proxyReq', (proxyReq, req, _res, _options, socket) => this.onProxyReq(proxyReq, req as WithExchange, socket));
    this.proxy.on('proxyRes', (proxyRes, req) => this.onProxyRes(proxyRes, req as WithExchange));
    // Emitted before http-proxy-3 adds its own 'upgrade' listener, so ours runs first and may
    // still add headers to the 101 it is about to write.
    this.proxy.on('proxyReqWs', (proxyReq, req) => {
      const upgrade = (req as WithUpgrade)[kUpgrade];
      if (!upgrade) return;
      proxyReq.once('upgrade', (upstream: IncomingMessage) => {
        upgrade.onSwitch(upstream);
        settleUpgrade(upgrade, { kind: 'upgraded', upstream });
      });
      proxyReq.once('response', (upstream: IncomingMessage) => settleUpgrade(upgrade, { kind: 'declined', status: upstream.statusCode ?? 502 }));
    });
  }

  upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    pool: Pool,
    connectTimeoutMs: number,
    onSwitch: (upstream: IncomingMessage) => void,
    done: (outcome: UpgradeOutcome) => void,
  ): void {
    const upgrade: UpgradeExchange = { onSwitch, done, settled: false };
    (req as WithUpgrade)[kUpgrade] = upgrade;
    this.proxy.ws(req, socket, head, { target: pool.url, agent: false, connectTimeout: connectTimeoutMs }, (err) => {
      const error = err as NodeJS.ErrnoException;
      settleUpgrade(upgrade, { kind: CONNECT_ERRORS.has(error.code ?? '') ? 'connect-failed' : 'failed', error });
    });
  }

  forward(req: IncomingMessage, res: ServerResponse, pool: Pool, options: ForwardOptions, done: (o: Outcome) => void): void {
    const gate = options.hasBody ? new PassThrough() : undefined;
    const exchange: Exchange = { options, done, settled: false, gate };
    (req as WithExchange)[kExchange] = exchange;
    this.proxy.web(
      req,
      res,
      { target: pool.url, agent: pool.agent, connectTimeout: options.connectTimeoutMs, ...(gate ? { buffer: gate } : {}) },
      (err) => this.onError(err as NodeJS.ErrnoException, exchange),
    );
  }

  close(): void {
    this.proxy.removeAllListeners();
  }

  private onProxyReq(proxyReq: ClientRequest, req: WithExchange, socket: Socket): void {
    const exchange = req[kExchange];
    if (!exchange) return;
    exchange.proxyReq = proxyReq;
    exchange.timer = setTimeout(() => {
      const error = Object.assign(new Error('no response headers within the response timeout'), { code: 'ERESPONSE_TIMEOUT' });
      proxyReq.destroy(error);
    }, exchange.options.responseTimeoutMs);
    exchange.timer.unref();
    const gate = exchange.gate;
    if (gate) {
      if (socket.connecting) socket.once('connect', () => req.pipe(gate));
      else req.pipe(gate);
    }
  }

  private onProxyRes(proxyRes: IncomingMessage, req: WithExchange): void {
    const exchange = req[kExchange];
    if (!exchange) return;
    clearTimeout(exchange.timer);
    settle(exchange, { kind: 'response', upstream: proxyRes });
  }

  private onError(error: NodeJS.ErrnoException, exchange: Exchange): void {
    clearTimeout(exchange.timer);
    if (exchange.settled) return;
    const code = error.code ?? '';
    if (code === 'ERESPONSE_TIMEOUT') return settle(exchange, { kind: 'timeout', error });
    if (CONNECT_ERRORS.has(code)) return settle(exchange, { kind: 'connect-failed', error });
    // A pooled connection the server closed while idle fails like this when reused; nothing
    // was processed, so a bodiless request may go again on a fresh connection.
    settle(exchange, { kind: 'failed', error, stale: exchange.proxyReq?.reusedSocket === true && code === 'ECONNRESET' });
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
