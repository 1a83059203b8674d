// The Grafana dashboard cannot rot: every PromQL expression in it is read, and each metric and
// label it names must be exposed by a live passthru that has seen traffic, health checks, an
// ejection and a retry.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startPlane, target, type TestPlane } from '../helpers/plane.ts';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { scrape } from '../admin/prom-text.ts';
import { checkExpr, references } from './promql.ts';

const FILE = new URL('../../charts/passthru/dashboards/passthru.json', import.meta.url);

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr: string; refId: string; datasource?: { uid: string } }>;
  gridPos: { x: number; y: number; w: number; h: number };
}
interface Variable {
  name: string;
  type: string;
  query: string | { query: string };
  datasource?: { uid: string };
}
interface Dashboard {
  title: string;
  uid: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

const dashboard = JSON.parse(readFileSync(FILE, 'utf8')) as Dashboard;
const queryPanels = dashboard.panels.filter((p) => p.type !== 'row');
const exprs = queryPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

let exposed: Map<string, Set<string>>;
const closers: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  // ns/app: "good" passes its checks; "flaky" passes its checks but answers 502 to traffic, so
  // requests to it are retried on "good" and it gets ejected. Plus a request matching nothing.
  const checked = (name: string, status: number) => (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(req.url === '/health' ? 200 : status);
    res.end(name);
  };
  const good: TestUpstream = await startUpstream('good', checked('good', 200));
  const flaky: TestUpstream = await startUpstream('flaky', checked('flaky', 502));
  closers.push(good, flaky);
  const check = { path: '/health', intervalMs: 50, timeoutMs: 50, healthyThreshold: 1, unhealthyThreshold: 1, expectStatus: [[200, 399]] as Array<[number, number]> };
  const tp: TestPlane = await startPlane([
    target('ns/app', ['/app'], [{ port: good.port, route: 'good' }, { port: flaky.port, route: 'flaky' }], {
      healthCheck: check,
      outlierDetection: { consecutiveFailures: 1, ejectionTimeMs: 60_000, maxEjectionPercent: 100 },
      retries: 1,
    }),
  ]);
  closers.unshift(tp);
  await tp.waitForLog((l) => l['msg'] === 'server healthy' && l['server'] === 'flaky');
  await tp.waitForLog((l) => l['msg'] === 'server healthy' && l['server'] === 'good');
  for (let i = 0; i < 4; i++) expect((await request(tp.port, { path: '/app' })).status).toBe(200);
  await tp.waitForLog((l) => l['msg'] === 'server ejected');
  expect((await request(tp.port, { path: '/nothing' })).status).toBe(404);

  exposed = new Map();
  for (const s of await scrape(tp.adminPort)) {
    const labels = exposed.get(s.name) ?? new Set<string>();
    for (const l of Object.keys(s.labels)) labels.add(l);
    exposed.set(s.name, labels);
  }
  // The traffic above must have produced every counter the dashboard relies on.
  for (const name of ['passthru_retries_total', 'passthru_ejections_total', 'passthru_health_checks_total', 'passthru_open_connections']) expect(exposed.has(name), name).toBe(true);
});

afterAll(async () => {
  for (const c of closers.splice(0)) await c.close();
});

describe('the Grafana dashboard', () => {
  it('uses only metrics and labels a live passthru exposes, in every expression', () => {
    expect(exprs.length).toBeGreaterThan(20);
    const problems = exprs.flatMap(({ panel, expr }) => checkExpr(expr, exposed).map((p) => `${panel}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('has a target variable whose values come from an exposed label', () => {
    const variable = dashboard.templating.list.find((v) => v.name === 'target');
    expect(variable?.type).toBe('query');
    const query = typeof variable!.query === 'string' ? variable!.query : variable!.query.query;
    const m = /^label_values\((.+),\s*([a-zA-Z_]\w*)\)$/.exec(query);
    expect(m, query).not.toBeNull();
    expect(checkExpr(m![1]!, exposed)).toEqual([]);
    expect(exposed.get(m![1]!.trim())).toContain(m![2]);
    // Every $variable an expression uses is defined (or Grafana's own).
    const defined = new Set(dashboard.templating.list.map((v) => v.name));
    for (const { expr } of exprs) for (const [, name] of expr.matchAll(/\$\{?(\w+)\}?/g)) if (!name!.startsWith('__')) expect(defined, expr).toContain(name);
  });

  it('imports standalone: a Prometheus data-source variable every panel and query uses, unique panel ids', () => {
    const ds = dashboard.templating.list.find((v) => v.type === 'datasource');
    expect(ds).toMatchObject({ name: 'datasource', query: 'prometheus' });
    for (const p of queryPanels) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets!) expect(t.datasource?.uid ?? p.datasource?.uid, p.title).toBe('${datasource}');
    }
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    for (const p of dashboard.panels) expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
  });

  it('covers what operators need: rate, errors, latency quantiles, servers, ejections, retries, reloads, connections, event-loop lag', () => {
    const used = new Set(exprs.flatMap(({ expr }) => [...references(expr).metrics.keys()]));
    for (const metric of [
      'passthru_requests_total',
      'passthru_request_duration_seconds_bucket',
      'passthru_upstream_duration_seconds_bucket',
      'passthru_server_up',
      'passthru_server_in_flight',
      'passthru_ejections_total',
      'passthru_retries_total',
      'passthru_config_reloads_total',
      'passthru_open_connections',
      'nodejs_eventloop_lag_p99_seconds',
    ]) expect(used, metric).toContain(metric);
    const quantiles = exprs.map(({ expr }) => /histogram_quantile\((0\.\d+),.*passthru_request_duration_seconds_bucket/.exec(expr)?.[1]).filter(Boolean);
    expect(quantiles).toEqual(['0.5', '0.95', '0.99']);
  });

  it('notices a renamed metric, a wrong label, an unknown function and broken brackets', () => {
    expect(checkExpr('sum(rate(passthru_request_total[5m]))', exposed)).toEqual([expect.stringContaining('metric passthru_request_total is not exposed')]);
    expect(checkExpr('passthru_server_up{route="a"}', exposed)).toEqual([expect.stringContaining('has no label route')]);
    expect(checkExpr('sum by (route) (passthru_server_up)', exposed)).toEqual([expect.stringContaining('label route')]);
    expect(checkExpr('passthru_requests_total_bucket', exposed)).toEqual([expect.stringContaining('not exposed')]);
    expect(checkExpr('hist_quantile(0.9, rate(passthru_request_duration_seconds_bucket[$__rate_interval]))', exposed)).toEqual([expect.stringContaining('unknown function hist_quantile')]);
    expect(checkExpr('sum(rate(passthru_requests_total[5m])', exposed)).toEqual([expect.stringContaining('unclosed')]);
    expect(checkExpr('sum by (instance, le) (rate(passthru_request_duration_seconds_bucket{target=~"$target"}[$__rate_interval]))', exposed)).toEqual([]);
  });
});
