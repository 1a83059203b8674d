// One active health check: GET path on the server, judged by the expected status ranges.
import http from 'node:http';
import https from 'node:https';
import type { HealthCheckSpec, Protocol } from '../api/types.ts';

export interface ProbeTarget {
  host: string;
  port: number;
  protocol: Protocol;
}

export interface ProbeResult {
  ok: boolean;
  status?: number;
  error?: string;
}

export type Probe = (server: ProbeTarget, check: HealthCheckSpec) => Promise<ProbeResult>;

export function statusExpected(status: number, ranges: ReadonlyArray<readonly [number, number]>): boolean {
  return ranges.some(([lo, hi]) => status >= lo && status <= hi);
}

export const httpProbe: Probe = (server, check) =>
  new Promise((resolve) => {
    const request = server.protocol === 'https' ? https.request : http.request;
    let settled = false;
    const done = (r: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = request(
      {
        host: server.host,
        port: server.port,
        path: check.path,
        method: 'GET',
        agent: false, // a probe must see a fresh connection, as a new client would
        headers: { 'user-agent': 'passthru-health-check', connection: 'close' },
        rejectUnauthorized: false,
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        res.on('end', () => done({ ok: statusExpected(status, check.expectStatus), status }));
        res.on('error', (err) => done({ ok: false, status, error: err.message }));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      done({ ok: false, error: `no answer within ${check.timeoutMs} ms` });
    }, check.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, error: err.code ?? err.message }));
    req.end();
  });
