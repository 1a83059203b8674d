// A scriptable stand-in for the API server over plain HTTP on port 0, for what the real one
// cannot be made to do on demand: answer 410 Gone, fail with 500, or accept a watch and
// then say nothing. Tests of normal behaviour run against the real kube-apiserver (test/kube).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeRest } from '../../src/kube/rest.ts';

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
  headers: http.IncomingHttpHeaders;
  at: number;
}

/** Returns true when it answered the request itself. */
export type Script = (req: SeenRequest, res: http.ServerResponse) => boolean;

export interface OpenWatch {
  path: string;
  query: URLSearchParams;
  res: http.ServerResponse;
  send(type: string, object: unknown): void;
  end(): void;
}

export class FakeApiServer {
  readonly seen: SeenRequest[] = [];
  readonly watches: OpenWatch[] = [];
  readonly lists = new Map<string, { resourceVersion: string; items: unknown[] }>();
  scripts: Script[] = [];
  #server: http.Server;
  #watchWaiters: Array<{ path: string; n: number; resolve: (w: OpenWatch) => void }> = [];
  #waiters: Array<{ match: (r: SeenRequest) => boolean; resolve: (r: SeenRequest) => void }> = [];

  private constructor(server: http.Server) {
    this.#server = server;
  }

  static async start(): Promise<FakeApiServer> {
    const server = http.createServer();
    const fake = new FakeApiServer(server);
    server.on('request', (req, res) => fake.#handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  rest(): KubeRest {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'fake' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
      currentContext: 'fake',
    });
    return new KubeRest(kc);
  }

  /** Resolves with the first request (past or future) that `match` accepts, from index `from` on. */
  request(match: (r: SeenRequest) => boolean, from = 0): Promise<SeenRequest> {
    const seen = this.seen.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  /** Resolves with the n-th watch (0-based) opened on a path; refused ones do not count. */
  watch(path: string, n: number): Promise<OpenWatch> {
    const open = this.watches.filter((w) => w.path === path);
    if (open.length > n) return Promise.resolve(open[n]!);
    return new Promise((resolve) => this.#watchWaiters.push({ path, n, resolve }));
  }

  async close(): Promise<void> {
    for (const w of this.watches) w.end();
    this.#server.closeAllConnections();
    await new Promise((r) => this.#server.close(r));
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const seen: SeenRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body: Buffer.concat(chunks).toString(), headers: req.headers, at: Date.now() };
      this.seen.push(seen);
      for (const w of [...this.#waiters]) {
        if (!w.match(seen)) continue;
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(seen);
      }
      for (const script of this.scripts) if (script(seen, res)) return;
      if (seen.method === 'GET' && seen.query.get('watch') === '1') return this.#openWatch(seen, res);
      const list = this.lists.get(seen.path);
      if (seen.method === 'GET' && list) return json(res, 200, { kind: 'List', metadata: { resourceVersion: list.resourceVersion }, items: list.items });
      json(res, 404, { kind: 'Status', code: 404, reason: 'NotFound', message: `no script for ${seen.method} ${seen.path}` });
    });
  }

  #openWatch(seen: SeenRequest, res: http.ServerResponse): void {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
    const w: OpenWatch = {
      path: seen.path,
      query: seen.query,
      res,
      send: (type, object) => res.write(`${JSON.stringify({ type, object })}\n`),
      end: () => res.end(),
    };
    this.watches.push(w);
    const open = this.watches.filter((x) => x.path === w.path).length;
    for (const waiter of [...this.#watchWaiters]) {
      if (waiter.path !== w.path || waiter.n !== open - 1) continue;
      this.#watchWaiters.splice(this.#watchWaiters.indexOf(waiter), 1);
      waiter.resolve(w);
    }
  }
}

export function json(res: http.ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
  return true;
}

export function obj(name: string, resourceVersion: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion }, ...extra };
}
