import { afterEach, describe, expect, it } from 'vitest';
import type { AdminView } from '../../src/admin/status.ts';
import type { TargetConfig } from '../../src/routing/model.ts';
import { request, startPlane, target, type TestPlane } from '../helpers/plane.ts';
import { startUpstream, tracker, type TestUpstream } from '../helpers/upstream.ts';
import { adminRequest, overridePath, startAdmin, type TestAdmin } from './admin-server.ts';
import { scrape, valueOf } from './prom-text.ts';

const track = tracker();
afterEach(track.closeAll);

const TOKEN = 'admin-token-0123456789abcdef';
const bearer = { authorization: `Bearer ${TOKEN}` };
const sticky: Partial<TargetConfig> = { sticky: { cookie: 'JSESSIONID', insert: false, noFailover: false } };

interface Cluster {
  ups: TestUpstream[];
  plane: TestPlane;
  admin: TestAdmin;
  config: (extra?: Partial<TargetConfig>) => TargetConfig;
}

/** ns/app at /app on servers a, b, c (sticky on JSESSIONID), with an admin listener guarded by `token` (null: none). */
async function cluster(token: string | null = TOKEN): Promise<Cluster> {
  const ups = await Promise.all(['a', 'b', 'c'].map((n) => track(startUpstream(n))));
  const config = (extra: Partial<TargetConfig> = {}): TargetConfig =>
    target('ns/app', ['/app'], ups.map((u) => ({ port: u.port, route: u.name })), { ...sticky, ...extra });
  const plane = await track(startPlane([config()]));
  const admin = await track(startAdmin(plane, token ?? undefined));
  return { ups, plane, admin, config };
}

const bodies = async (plane: TestPlane, n: number, headers: Record<string, string> = {}): Promise<string[]> => {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await request(plane.port, { path: '/app', headers });
    out.push(r.status === 200 ? r.body : String(r.status));
  }
  return out;
};

const act = (c: Cluster, route: string, action: string, headers: Record<string, string> = bearer) =>
  adminRequest(c.admin.port, overridePath('ns/app', route, action), { headers });

async function view(port: number): Promise<AdminView> {
  return (await (await fetch(`http://127.0.0.1:${port}/api/targets`)).json()) as AdminView;
}

const stateOf = async (c: Cluster, route: string): Promise<string | undefined> =>
  (await view(c.admin.port)).targets[0]?.servers.find((s) => s.route === route)?.state;

describe('override API authorization', () => {
  it('answers 403 to every write when no admin token is configured, and says the API is read-only', async () => {
    const c = await cluster(null);
    for (const action of ['drain', 'disable', 'enable']) {
      const r = await act(c, 'b', action);
      expect(r.status).toBe(403);
      expect(r.json()).toEqual({ error: 'read-only: no admin token configured', code: 'PASSTHRU_ADMIN_READ_ONLY' });
    }
    // The data plane's own admin listener (no --admin-token-file) is read-only too.
    expect((await adminRequest(c.plane.adminPort, overridePath('ns/app', 'b', 'drain'), { headers: bearer })).status).toBe(403);
    expect((await view(c.plane.adminPort)).writable).toBe(false);
    expect(await stateOf(c, 'b')).toBe('healthy');
  });

  it('answers 401 with WWW-Authenticate to a missing or wrong token and 200 to the right one', async () => {
    const c = await cluster();
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }]) {
      const r = await act(c, 'b', 'drain', headers);
      expect(r.status, JSON.stringify(headers)).toBe(401);
      expect(r.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(r.json()['code']).toBe('PASSTHRU_ADMIN_UNAUTHORIZED');
    }
    expect(await stateOf(c, 'b')).toBe('healthy');

    const ok = await act(c, 'b', 'drain');
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({ target: 'ns/app', server: { route: 'b', state: 'draining', override: 'draining' } });
    expect((await view(c.admin.port)).writable).toBe(true);
    // The scheme is case-insensitive (RFC 7235).
    expect((await act(c, 'b', 'enable', { authorization: `bearer ${TOKEN}` })).status).toBe(200);
  });

  it('refuses what a cross-site page could send: other methods, form bodies, preflights; and grants no CORS', async () => {
    const c = await cluster();
    const path = overridePath('ns/app', 'b', 'drain');
    const get = await adminRequest(c.admin.port, path, { method: 'GET', headers: bearer });
    expect(get.status).toBe(405);
    expect(get.headers['allow']).toBe('POST');
    const preflight = await adminRequest(c.admin.port, path, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.status).toBe(405);
    expect(Object.keys(preflight.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain']) {
      const r = await adminRequest(c.admin.port, path, { headers: { ...bearer, 'content-type': type }, body: 'a=b' });
      expect(r.status, type).toBe(415);
    }
    expect(await stateOf(c, 'b')).toBe('healthy');
    const json = await adminRequest(c.admin.port, path, { headers: { ...bearer, 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(200);
    expect(json.headers['x-content-type-options']).toBe('nosniff');
    expect(json.headers['cache-control']).toBe('no-store');
  });

  it('answers 404 for an unknown target or server, after checking the token', async () => {
    const c = await cluster();
    const noTarget = await adminRequest(c.admin.port, overridePath('ns/nope', 'a', 'drain'), { headers: bearer });
    expect(noTarget.status).toBe(404);
    expect(noTarget.json()['code']).toBe('PASSTHRU_ADMIN_NO_TARGET');
    const noServer = await act(c, 'zz', 'drain');
    expect(noServer.status).toBe(404);
    expect(noServer.json()['code']).toBe('PASSTHRU_ADMIN_NO_SERVER');
    // Without the token nobody learns which targets exist.
    expect((await adminRequest(c.admin.port, overridePath('ns/nope', 'a', 'drain'))).status).toBe(401);
    expect((await adminRequest(c.admin.port, '/api/targets/ns/app/servers/a/explode', { headers: bearer })).status).toBe(404);
  });

  it('logs who changed what at info, and never the token', async () => {
    const c = await cluster();
    await act(c, 'b', 'drain');
    await act(c, 'b', 'enable');
    await act(c, 'b', 'disable', { authorization: 'Bearer not-the-token-0000000' });
    const set = c.admin.logs.find((l) => l['msg'] === 'server override set');
    expect(set).toMatchObject({ level: 30, client: '127.0.0.1', target: 'ns/app', server: 'b', action: 'drain', state: 'draining' });
    expect(c.admin.logs.find((l) => l['msg'] === 'server override cleared')).toMatchObject({ action: 'enable', state: 'healthy' });
    expect(c.admin.logs.find((l) => l['msg'] === 'admin write refused')).toMatchObject({ client: '127.0.0.1', action: 'disable', code: 'PASSTHRU_ADMIN_UNAUTHORIZED' });
    const text = JSON.stringify(c.admin.logs);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('not-the-token');
  });
});

describe('override semantics', () => {
  it('drain: no unpinned requests go to the server, its sticky sessions keep going there', async () => {
    const c = await cluster();
    expect(new Set(await bodies(c.plane, 6))).toEqual(new Set(['a', 'b', 'c']));
    expect((await act(c, 'b', 'drain')).status).toBe(200);

    expect(await bodies(c.plane, 12)).not.toContain('b');
    expect(await bodies(c.plane, 4, { cookie: 'JSESSIONID=0000XYZ.b' })).toEqual(['b', 'b', 'b', 'b']);
    // A session on another server is untouched, and one naming no server is balanced elsewhere.
    expect(await bodies(c.plane, 2, { cookie: 'JSESSIONID=0000XYZ.c' })).toEqual(['c', 'c']);
    expect(await bodies(c.plane, 4, { cookie: 'JSESSIONID=0000XYZ.gone' })).not.toContain('b');

    expect(await stateOf(c, 'b')).toBe('draining');
    const samples = await scrape(c.plane.adminPort);
    expect(valueOf(samples, 'passthru_server_up', { target: 'ns/app', server: 'b' })).toBe(0);
    expect(valueOf(samples, 'passthru_server_up', { target: 'ns/app', server: 'a' })).toBe(1);
  });

  it('disable: no traffic at all, sticky sessions included; enable: back to health-driven', async () => {
    const c = await cluster();
    expect((await act(c, 'b', 'disable')).json()).toMatchObject({ server: { state: 'disabled', override: 'disabled' } });
    const seen = c.ups[1]!.seen.length;
    expect(await bodies(c.plane, 9)).not.toContain('b');
    const pinned = await bodies(c.plane, 4, { cookie: 'JSESSIONID=0000XYZ.b' });
    expect(pinned).not.toContain('b');
    expect(pinned.every((b) => b === 'a' || b === 'c')).toBe(true); // moved, not refused (noFailover is off)
    expect(c.ups[1]!.seen.length).toBe(seen);

    expect((await act(c, 'b', 'enable')).json()).toMatchObject({ server: { state: 'healthy', override: null } });
    expect(await bodies(c.plane, 6)).toContain('b');
    expect(await bodies(c.plane, 2, { cookie: 'JSESSIONID=0000XYZ.b' })).toEqual(['b', 'b']);
  });

  it('disable with noFailover: a session pinned to the disabled server is answered 503, not moved', async () => {
    const c = await cluster();
    c.plane.apply([c.config({ sticky: { cookie: 'JSESSIONID', insert: false, noFailover: true } })]);
    await act(c, 'b', 'disable');
    expect(await bodies(c.plane, 2, { cookie: 'JSESSIONID=0000XYZ.b' })).toEqual(['503', '503']);
  });

  it('survives configuration reloads while the server exists, and is forgotten once it leaves', async () => {
    const c = await cluster();
    await act(c, 'b', 'drain');
    await act(c, 'c', 'disable');
    // A changed configuration with the same servers: weights, a new context root, a new method.
    c.plane.apply([
      target('ns/app', ['/app', '/app2'], c.ups.map((u) => ({ port: u.port, route: u.name, weight: u.name === 'a' ? 3 : 1 })), {
        ...sticky,
        method: 'byBusyness',
      }),
    ]);
    expect(await stateOf(c, 'b')).toBe('draining');
    expect(await stateOf(c, 'c')).toBe('disabled');
    expect(await bodies(c.plane, 6)).toEqual(Array(6).fill('a'));
    expect(await bodies(c.plane, 2, { cookie: 'JSESSIONID=1.b' })).toEqual(['b', 'b']);

    // b leaves the configuration and comes back: a new server as far as overrides go.
    c.plane.apply([target('ns/app', ['/app'], [c.ups[0]!, c.ups[2]!].map((u) => ({ port: u.port, route: u.name })), sticky)]);
    expect((await act(c, 'b', 'enable')).status).toBe(404);
    c.plane.apply([c.config()]);
    expect(await stateOf(c, 'b')).toBe('healthy');
    expect(await stateOf(c, 'c')).toBe('disabled');
  });
});

describe('GET /api/targets', () => {
  it('shows stickiness, overrides, recent latency per server, writability and rejected targets with their reason', async () => {
    const c = await cluster();
    c.plane.apply(
      [c.config()],
      [
        { id: 'ns/app', accepted: true, reason: 'Valid', message: '' },
        { id: 'ns/other', accepted: false, reason: 'Conflict', message: 'host "*" and context root /app are claimed by ns/app' },
      ],
    );
    await bodies(c.plane, 3);
    await act(c, 'a', 'drain');
    const v = await view(c.admin.port);
    expect(v.writable).toBe(true);
    expect(Date.parse(v.generatedAt)).toBeGreaterThan(Date.now() - 60_000);
    const [app, other] = v.targets;
    expect(app).toMatchObject({ id: 'ns/app', accepted: true, method: 'byRequests', contextRoots: ['/app'], sticky: { cookie: 'JSESSIONID', insert: false, noFailover: false } });
    expect(app!.servers.map((s) => [s.route, s.state, s.override, s.requests])).toEqual([
      ['a', 'draining', 'draining', 1],
      ['b', 'healthy', null, 1],
      ['c', 'healthy', null, 1],
    ]);
    for (const s of app!.servers) {
      expect(s.latencyMs).toBeGreaterThan(0);
      expect(s.latencyMs).toBeLessThan(5_000);
    }
    expect(other).toMatchObject({ id: 'ns/other', accepted: false, reason: 'Conflict', message: expect.stringContaining('claimed by ns/app'), servers: [] });
  });
});

describe('a server drained by the configuration', () => {
  it('shows where its state comes from, and refuses admin overrides with 409 naming the annotation', async () => {
    const c = await cluster();
    const drained = c.config();
    drained.servers[1] = { ...drained.servers[1]!, adminState: 'draining' };
    c.plane.apply([drained]);
    const b = (await view(c.admin.port)).targets[0]!.servers.find((s) => s.route === 'b')!;
    expect([b.state, b.overrideSource]).toEqual(['draining', 'configuration']);
    const r = await act(c, 'b', 'enable');
    expect(r.status).toBe(409);
    expect(r.json()).toMatchObject({ code: 'PASSTHRU_ADMIN_CONFIGURED' });
    expect(await stateOf(c, 'b')).toBe('draining');
    // The annotation goes away: the server is back to health-driven.
    c.plane.apply([c.config()]);
    expect(await stateOf(c, 'b')).toBe('healthy');
  });
});
