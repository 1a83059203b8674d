// An in-process data plane on port 0 with a captured log, for proxy tests.
import { request as httpRequest } from 'node:http';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import type { ServerSpec } from '../../src/api/types.ts';
import type { TargetStatus } from '../../src/controller/translate.ts';
import { DataPlane, type DataPlaneOptions } from '../../src/dataplane.ts';
import { createMetrics, type Metrics } from '../../src/metrics/registry.ts';
import { serverIdentity, type TargetConfig } from '../../src/routing/model.ts';

export interface TestPlane {
  plane: DataPlane;
  metrics: Metrics;
  port: number;
  adminPort: number;
  base: string;
  logs: Array<Record<string, unknown>>;
  /** Resolves with the first log line (past or future) `match` accepts. */
  waitForLog(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  apply(targets: TargetConfig[], statuses?: TargetStatus[]): void;
  close(): Promise<void>;
}

export interface PlaneOptions {
  trustedProxies?: string[];
  accessLog?: boolean;
  drainTimeoutMs?: number;
  limits?: DataPlaneOptions['limits'];
  clock?: DataPlaneOptions['clock'];
  probe?: DataPlaneOptions['probe'];
  /** Where the traffic listener binds; "::" for dual-stack tests. */
  listenHost?: string;
  websocketMaxLifetimeMs?: number;
  adminToken?: string;
}

export async function startPlane(targets: TargetConfig[] = [], options: PlaneOptions = {}): Promise<TestPlane> {
  const logs: Array<Record<string, unknown>> = [];
  const waiters = new Set<{ match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }>();
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    for (const text of chunk.toString().split('\n')) {
      if (!text.trim()) continue;
      const line = JSON.parse(text) as Record<string, unknown>;
      logs.push(line);
      for (const w of waiters) {
        if (!w.match(line)) continue;
        waiters.delete(w);
        w.resolve(line);
      }
    }
  });
  const waitForLog = (match: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
    const seen = logs.find(match);
    return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.add({ match, resolve }));
  };
  const metrics = createMetrics();
  const plane = await DataPlane.start({
    listen: { host: options.listenHost ?? '127.0.0.1', port: 0 },
    websocketMaxLifetimeMs: options.websocketMaxLifetimeMs,
    adminToken: options.adminToken,
    admin: { host: '127.0.0.1', port: 0 },
    trustedProxies: options.trustedProxies ?? [],
    drainTimeoutMs: options.drainTimeoutMs ?? 5_000,
    accessLog: options.accessLog ?? false,
    viaName: 'passthru',
    limits: options.limits,
    clock: options.clock,
    probe: options.probe,
    logger: pino({ level: 'debug' }, stream),
    metrics,
  });
  const apply = (list: TargetConfig[], statuses: TargetStatus[] = []): void =>
    plane.apply({ config: { targets: list }, statuses: statuses.length ? statuses : list.map((t) => ({ id: t.id, accepted: true, reason: 'Valid', message: '' })) });
  apply(targets);
  const port = plane.trafficAddress.port;
  return {
    plane,
    metrics,
    port,
    adminPort: plane.adminAddress.port,
    base: `http://127.0.0.1:${port}`,
    logs,
    waitForLog,
    apply,
    close: () => plane.shutdown(),
  };
}

type ServerInput = Partial<ServerSpec> & { port: number };

/** A TargetConfig with the API's defaults, for tests that do not go through validation. */
export function target(id: string, contextRoots: string[], servers: ServerInput[], extra: Partial<TargetConfig> = {}): TargetConfig {
  return {
    id,
    hosts: [],
    contextRoots,
    protocol: 'http',
    servers: servers.map((s, i) => {
      const host = s.host ?? '127.0.0.1';
      return { id: serverIdentity('http', host, s.port), host, port: s.port, route: s.route ?? `s${i + 1}`, weight: s.weight ?? 1, backup: s.backup ?? false };
    }),
    method: 'byRequests',
    outlierDetection: { consecutiveFailures: 5, ejectionTimeMs: 30_000, maxEjectionPercent: 50 },
    timeouts: { connectMs: 5_000, responseMs: 60_000, idleMs: 300_000 },
    retries: 2,
    headers: { forwarded: 'xForwarded', via: true, connector: 'none', request: { set: {}, remove: [] }, response: { set: {}, remove: [] } },
    rewrite: { stripContextRoot: false, reverseRedirects: true, cookieDomain: {}, cookiePath: {} },
    ...extra,
  };
}

/** GET through the proxy with a plain fetch; returns status, body and headers. */
export async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

export interface Answer {
  status: number;
  body: string;
  headers: import('node:http').IncomingHttpHeaders;
}

/** A request with full control of Host and headers (fetch may not set Host). */
export function request(
  port: number,
  options: { path?: string; host?: string; method?: string; headers?: Record<string, string>; body?: string; address?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: options.address ?? '127.0.0.1',
        port,
        path: options.path ?? '/',
        method: options.method ?? 'GET',
        headers: { host: options.host ?? 'localhost', ...options.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString(), headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
