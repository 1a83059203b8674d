// A second admin listener over an in-process test plane, with a token and a captured log: the
// same createAdminServer the data plane runs, wired to the plane's health and status.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { createAdminServer } from '../../src/admin/server.ts';
import type { TestPlane } from '../helpers/plane.ts';

export interface TestAdmin {
  port: number;
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startAdmin(tp: TestPlane, adminToken: string | undefined): Promise<TestAdmin> {
  const logs: Array<Record<string, unknown>> = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    for (const text of chunk.toString().split('\n')) if (text.trim()) logs.push(JSON.parse(text) as Record<string, unknown>);
  });
  const server = createAdminServer({
    registry: tp.metrics.registry,
    status: () => tp.plane.status(),
    health: tp.plane.health,
    adminToken,
    logger: pino({ level: 'debug' }, stream),
    isReady: () => true,
    isDraining: () => false,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    logs,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export interface AdminAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: () => Record<string, unknown>;
}

/** A request to the admin listener with full control of method and headers. */
export function adminRequest(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<AdminAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'POST', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body) as Record<string, unknown> });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export const overridePath = (target: string, route: string, action: string): string => {
  const [ns, name] = target.split('/');
  return `/api/targets/${ns}/${name}/servers/${route}/${action}`;
};
