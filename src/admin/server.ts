// The admin listener: health, readiness, metrics, the targets' live status (JSON and the
// balancer-manager page) and the runtime overrides. It is a separate port from traffic so it
// can stay on loopback or a cluster-internal address.
import http from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { HealthRegistry } from '../health/registry.ts';
import { latencyKey, RecentLatency } from './latency.ts';
import { overrideHandler, parseOverridePath } from './overrides.ts';
import { sendPage } from './page.ts';
import { sendJson, sendText } from './respond.ts';
import type { AdminView, TargetsStatus } from './status.ts';

const READ_PATHS = new Set(['/', '/healthz', '/readyz', '/metrics', '/api/targets']);

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
  const latency = new RecentLatency(deps.registry);
  const override = overrideHandler(deps);

  const view = async (): Promise<AdminView> => {
    const status = deps.status();
    const means = await latency.meansMs();
    for (const t of status.targets) for (const s of t.servers) s.latencyMs = round(means.get(latencyKey(t.id, s.route)));
    return { generatedAt: new Date().toISOString(), writable: deps.adminToken !== undefined, ...status };
  };

  const server = http.createServer({ headersTimeout: 10_000, connectionsCheckingInterval: 1_000 }, (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const overridePath = parseOverridePath(path);
    if (overridePath) return override(req, res, overridePath);
    if (!READ_PATHS.has(path)) return sendText(res, 404, 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
    switch (path) {
      case '/':
        return sendPage(res);
      case '/healthz':
        return sendText(res, 200, 'ok\n');
      case '/readyz':
        if (deps.isDraining()) return sendText(res, 503, 'draining\n');
        return deps.isReady() ? sendText(res, 200, 'ready\n') : sendText(res, 503, 'no configuration loaded yet\n');
      case '/metrics':
        deps.registry.metrics().then(
          (body) => sendText(res, 200, body, { 'content-type': deps.registry.contentType }),
          (err: Error) => sendText(res, 500, `metrics unavailable: ${err.message}\n`),
        );
        return;
      case '/api/targets':
        view().then(
          (v) => sendJson(res, 200, v),
          (err: Error) => sendJson(res, 500, { error: `status unavailable: ${err.message}`, code: 'PASSTHRU_ADMIN_STATUS' }),
        );
        return;
      default:
        return sendText(res, 404, 'not found\n');
    }
  });
  latency.start();
  server.on('close', () => latency.stop());
  return server;
}

function round(ms: number | undefined): number | null {
  return ms === undefined ? null : Math.round(ms * 100) / 100;
}
