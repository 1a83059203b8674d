import { afterEach, describe, expect, it } from 'vitest';
import { startPlane, target, request, type TestPlane } from '../helpers/plane.ts';
import { startUpstream, type TestUpstream, tracker } from '../helpers/upstream.ts';

const track = tracker();
afterEach(track.closeAll);

async function planeWith(upstreams: TestUpstream[], roots = ['/app'], weights: number[] = []): Promise<TestPlane> {
  return track(startPlane([target('ns/app', roots, upstreams.map((u, i) => ({ port: u.port, route: u.name, weight: weights[i] ?? 1 })))]));
}

describe('proxying', () => {
  it('passes the request path and query to the server unchanged', async () => {
    const up = await track(startUpstream('a'));
    const plane = await planeWith([up]);
    const paths = ['/app', '/app/', '/app/x/../y?q=1&q=2', '/app//double', '/app/%2e%2e/enc?x=%20y', '/app/a;jsessionid=abc.srv1?z'];
    for (const path of paths) expect((await request(plane.port, { path })).status).toBe(200);
    expect(up.seen.map((r) => r.url)).toEqual(paths);
  });

  it('keeps the client Host header and relays method, body and response headers', async () => {
    const up = await track(
      startUpstream('a', (req, res, body) => {
        res.writeHead(201, { 'x-echo': `${req.method} ${body}` });
        res.end('made');
      }),
    );
    const plane = await planeWith([up]);
    const answer = await request(plane.port, { path: '/app/items', method: 'POST', host: 'shop.example.com', body: 'hello' });
    expect(answer).toMatchObject({ status: 201, body: 'made' });
    expect(answer.headers['x-echo']).toBe('POST hello');
    expect(up.seen[0]?.headers.host).toBe('shop.example.com');
  });

  it('answers 404 with a short plain body when nothing matches and there is no catch-all', async () => {
    const up = await track(startUpstream('a'));
    const plane = await planeWith([up]);
    const answer = await request(plane.port, { path: '/apple' });
    expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toMatch(/^text\/plain/);
    expect(answer.body).toBe('Not Found: no application answers on this address.\n');
    expect(up.seen).toHaveLength(0);
  });

  it('sends unmatched requests to the catch-all target', async () => {
    const app = await track(startUpstream('app'));
    const fallback = await track(startUpstream('fallback'));
    const plane = await track(
      startPlane([target('ns/app', ['/app'], [{ port: app.port }]), target('ns/default', ['/'], [{ port: fallback.port }])]),
    );
    expect((await request(plane.port, { path: '/app/1' })).body).toBe('app');
    expect((await request(plane.port, { path: '/apple' })).body).toBe('fallback');
    expect((await request(plane.port, { path: '/' })).body).toBe('fallback');
  });

  it('routes by host before context root', async () => {
    const a = await track(startUpstream('a'));
    const b = await track(startUpstream('b'));
    const plane = await track(
      startPlane([
        target('ns/a', ['/'], [{ port: a.port }], { hosts: ['a.example.com'] }),
        target('ns/b', ['/app'], [{ port: b.port }]),
      ]),
    );
    expect((await request(plane.port, { path: '/app', host: 'a.example.com' })).body).toBe('a');
    expect((await request(plane.port, { path: '/app', host: 'b.example.com' })).body).toBe('b');
  });

  it('balances 3:1 weights within a small tolerance across real servers', async () => {
    const a = await track(startUpstream('a'));
    const b = await track(startUpstream('b'));
    const plane = await planeWith([a, b], ['/app'], [3, 1]);
    const bodies: string[] = [];
    for (let i = 0; i < 200; i++) bodies.push((await request(plane.port, { path: '/app' })).body);
    const share = bodies.filter((x) => x === 'a').length / bodies.length;
    expect(share).toBeGreaterThanOrEqual(0.72);
    expect(share).toBeLessThanOrEqual(0.78);
    // smooth: b never waits more than three a's
    expect(bodies.join('')).not.toMatch(/aaaa/);
  });

  it('counts requests and durations by target, server, method and code in /metrics', async () => {
    const up = await track(startUpstream('a'));
    const plane = await planeWith([up]);
    for (let i = 0; i < 3; i++) await request(plane.port, { path: '/app' });
    await request(plane.port, { path: '/app', method: 'PROPFIND' });
    await request(plane.port, { path: '/nope' });
    const text = await (await fetch(`http://127.0.0.1:${plane.adminPort}/metrics`)).text();
    expect(text).toContain('passthru_requests_total{target="ns/app",server="a",method="GET",code="200"} 3');
    expect(text).toContain('passthru_requests_total{target="ns/app",server="a",method="OTHER",code="200"} 1');
    expect(text).toContain('passthru_requests_total{target="none",server="none",method="GET",code="404"} 1');
    expect(text).toContain('passthru_request_duration_seconds_count{target="ns/app"} 4');
    expect(text).toMatch(/passthru_config_reloads_total\{result="success"\} 1/);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('answers /healthz and /readyz on the admin listener', async () => {
    const up = await track(startUpstream('a'));
    const plane = await planeWith([up]);
    const health = await fetch(`http://127.0.0.1:${plane.adminPort}/healthz`);
    const ready = await fetch(`http://127.0.0.1:${plane.adminPort}/readyz`);
    expect([health.status, ready.status]).toEqual([200, 200]);
    expect((await fetch(`http://127.0.0.1:${plane.adminPort}/nope`)).status).toBe(404);
  });

  it('writes an access log line per request only when asked to', async () => {
    const up = await track(startUpstream('a'));
    const quiet = await planeWith([up]);
    await request(quiet.port, { path: '/app?secret=1' });
    expect(quiet.logs.filter((l) => l['log'] === 'access')).toHaveLength(0);

    const loud = await track(startPlane([target('ns/app', ['/app'], [{ port: up.port, route: 'a' }])], { accessLog: true }));
    await request(loud.port, { path: '/app/x?secret=1' });
    const lines = loud.logs.filter((l) => l['log'] === 'access');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ target: 'ns/app', server: 'a', method: 'GET', path: '/app/x', status: 200, client: '127.0.0.1' });
  });
});
