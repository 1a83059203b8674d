// The admin listener: health, readiness, metrics and the targets' live status as JSON
// (the status page and the write actions come with the observability work).
// It is a separate port from traffic so it can stay on loopback or a cluster-internal address.
import http from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { HealthRegistry } from '../health/registry.ts';
import type { TargetsStatus } from './status.ts';

export interface AdminDeps {
  registry: Registry;
  status: () => TargetsStatus;
  /** Runtime overrides (drain, disable, enable) go through the health registry. */
  health: HealthRegistry;
  /** Bearer token for write actions; undefined: read-only, writes answer 403. */
  adminToken: string | undefined;
  logger: Logger;
  /** True once the first configuration is loaded (and, in Kubernetes, caches synced). */
  isReady: () => boolean;
  isDraining: () => boolean;
}

export function createAdminServer(deps: AdminDeps): http.Server {
  return http.createServer({ headersTimeout: 10_000, connectionsCheckingInterval: 1_000 }, (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
    switch (path) {
      case '/healthz':
        return text(res, 200, 'ok\n');
      case '/readyz':
        if (deps.isDraining()) return text(res, 503, 'draining\n');
        return deps.isReady() ? text(res, 200, 'ready\n') : text(res, 503, 'no configuration loaded yet\n');
      case '/metrics':
        deps.registry.metrics().then(
          (body) => text(res, 200, body, { 'content-type': deps.registry.contentType }),
          (err: Error) => text(res, 500, `metrics unavailable: ${err.message}\n`),
        );
        return;
      case '/api/targets':
        return json(res, deps.status());
      default:
        return text(res, 404, 'not found\n');
    }
  });
}

function json(res: http.ServerResponse, value: unknown): void {
  const body = JSON.stringify(value, null, 2) + '\n';
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

function text(res: http.ServerResponse, status: number, body: string, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}
