import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startPlane, target, request, type TestPlane } from '../helpers/plane.ts';
import { freePort, startHoldingUpstream, startUpstream, tracker, waitForSeen, type TestUpstream } from '../helpers/upstream.ts';
import { ManualClock } from '../helpers/manual-clock.ts';
import type { TargetConfig } from '../../src/routing/model.ts';

const track = tracker();
afterEach(track.closeAll);

const sticky = (cookie: string, insert = false, noFailover = false): Partial<TargetConfig> => ({ sticky: { cookie, insert, noFailover } });
const bodies = async (plane: TestPlane, n: number, headers: Record<string, string> = {}, path = '/app'): Promise<string[]> => {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await request(plane.port, { path, headers })).body);
  return out;
};

async function three(): Promise<TestUpstream[]> {
  return Promise.all(['s1', 's2', 's3'].map((n) => track(startUpstream(n))));
}

describe('sticky sessions', () => {
  it('sends a session to the server named after the last dot of its cookie', async () => {
    const ups = await three();
    const plane = await track(startPlane([target('ns/app', ['/app'], ups.map((u) => ({ port: u.port, route: u.name })), sticky('JSESSIONID'))]));
    expect(await bodies(plane, 5, { cookie: 'JSESSIONID=0000ABCD:xyz.s2' })).toEqual(Array(5).fill('s2'));
    expect(await bodies(plane, 3, {}, '/app/page;jsessionid=QQ.s3?x=1')).toEqual(['s3', 's3', 's3']);
    // an unknown route is balanced like any request
    expect(new Set(await bodies(plane, 6, { cookie: 'JSESSIONID=NODOT' }))).toEqual(new Set(['s1', 's2', 's3']));
  });

  it('insert: sets <cookie>=.<route> once, then the client sticks; a dead pin moves and re-inserts', async () => {
    const ups = await three();
    const plane = await track(startPlane([target('ns/app', ['/app'], ups.map((u) => ({ port: u.port, route: u.name })), sticky('ROUTEID', true))]));
    const first = await request(plane.port, { path: '/app' });
    const cookie = first.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toBe(`ROUTEID=.${first.body}; Path=/; HttpOnly`);
    const value = cookie.split(';')[0]!;
    const again = await request(plane.port, { path: '/app', headers: { cookie: value } });
    expect(again.body).toBe(first.body);
    expect(again.headers['set-cookie']).toBeUndefined();

    await ups.find((u) => u.name === first.body)!.close();
    const moved = await request(plane.port, { path: '/app', headers: { cookie: value } });
    expect(moved.status).toBe(200);
    expect(moved.body).not.toBe(first.body);
    expect(moved.headers['set-cookie']?.[0]).toBe(`ROUTEID=.${moved.body}; Path=/; HttpOnly`);
  });

  it('noFailover: a pinned server that is down answers 503 and keeps the pin', async () => {
    const live = await track(startUpstream('live'));
    const deadPort = await freePort();
    const plane = await track(
      startPlane([
        target('ns/app', ['/app'], [{ port: live.port, route: 'live' }, { port: deadPort, route: 'dead' }], {
          ...sticky('JSESSIONID', false, true),
          outlierDetection: { consecutiveFailures: 1, ejectionTimeMs: 60_000, maxEjectionPercent: 100 },
        }),
      ]),
    );
    const answers = await Promise.all([1, 2].map(() => request(plane.port, { path: '/app', headers: { cookie: 'JSESSIONID=x.dead' } })));
    expect(answers.map((a) => a.status)).toEqual([503, 503]);
    expect(live.seen).toHaveLength(0);
    expect(answers[0]!.headers['set-cookie']).toBeUndefined();
  });
});

describe('backup servers', () => {
  it('take traffic only when no regular server can', async () => {
    const regular = await track(startUpstream('regular'));
    const standby = await track(startUpstream('standby'));
    const cfg = (regularPort: number): TargetConfig =>
      target('ns/app', ['/app'], [{ port: regularPort, route: 'regular' }, { port: standby.port, route: 'standby', backup: true }]);
    const plane = await track(startPlane([cfg(regular.port)]));
    expect(await bodies(plane, 4)).toEqual(Array(4).fill('regular'));
    plane.apply([cfg(await freePort())]);
    expect(await bodies(plane, 2)).toEqual(['standby', 'standby']);
  });
});

describe('retries', () => {
  it('a GET to a server that refuses connections is served by another', async () => {
    const good = await track(startUpstream('good'));
    const plane = await track(startPlane([target('ns/app', ['/app'], [{ port: await freePort(), route: 'dead' }, { port: good.port, route: 'good' }])]));
    expect(await bodies(plane, 4)).toEqual(Array(4).fill('good'));
    const metrics = await (await fetch(`http://127.0.0.1:${plane.adminPort}/metrics`)).text();
    expect(metrics).toMatch(/passthru_retries_total\{target="ns\/app"\} [1-4]\b/);
  });

  it('a POST whose server refuses the connection goes to another with its body intact', async () => {
    const good = await track(startUpstream('good', (_req, res, body) => res.end(`got ${body}`)));
    const plane = await track(startPlane([target('ns/app', ['/app'], [{ port: await freePort(), route: 'dead' }, { port: good.port, route: 'good' }])]));
    const answers = await Promise.all([1, 2, 3, 4].map((i) => request(plane.port, { path: '/app', method: 'POST', body: `order-${i}` })));
    expect(answers.map((a) => a.body).sort()).toEqual(['got order-1', 'got order-2', 'got order-3', 'got order-4']);
    expect(good.seen).toHaveLength(4);
  });

  it('a POST answered 503 is relayed, never sent twice; a GET answered 503 is retried elsewhere', async () => {
    const busy = await track(startUpstream('busy', (_req, res) => { res.writeHead(503); res.end('busy'); }));
    const good = await track(startUpstream('good'));
    const plane = await track(startPlane([target('ns/app', ['/app'], [{ port: busy.port, route: 'busy' }, { port: good.port, route: 'good' }])]));
    const post = await request(plane.port, { path: '/app', method: 'POST', body: 'pay once' });
    expect(post).toMatchObject({ status: 503, body: 'busy' });
    expect(busy.seen.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(good.seen.filter((r) => r.method === 'POST')).toHaveLength(0);

    const get = await request(plane.port, { path: '/app' }); // smooth RR: this one goes to good
    const get2 = await request(plane.port, { path: '/app' }); // and this one to busy, then good
    expect([get.body, get2.body]).toEqual(['good', 'good']);
    expect(busy.seen.filter((r) => r.method === 'GET')).toHaveLength(1);
  });

  it('never sends one request to the same server twice, and stops at retries.attempts', async () => {
    const ups = await Promise.all(['a', 'b', 'c', 'd'].map((n) => track(startUpstream(n, (_req, res) => { res.writeHead(502); res.end(n); }))));
    const plane = await track(startPlane([target('ns/app', ['/app'], ups.map((u) => ({ port: u.port, route: u.name })), { retries: 2 })]));
    const answer = await request(plane.port, { path: '/app' });
    expect(answer.status).toBe(502);
    const hits = ups.map((u) => u.seen.length);
    expect(hits.reduce((a, b) => a + b)).toBe(3); // the first try and two retries
    expect(Math.max(...hits)).toBe(1);
  });

  it('keeps retries within the budget: at most max(3, 20% of requests in flight) retrying at once', async () => {
    // Both servers hold every request until released, so all 20 are in flight together.
    let releaseA!: () => void;
    const aReleased = new Promise<void>((r) => (releaseA = r));
    let releaseB!: () => void;
    const bReleased = new Promise<void>((r) => (releaseB = r));
    const a = await track(startUpstream('a', (_req, res) => void aReleased.then(() => { res.writeHead(503); res.end('a'); })));
    const b = await track(startUpstream('b', (_req, res) => void bReleased.then(() => res.end('b'))));
    const plane = await track(startPlane([target('ns/app', ['/app'], [{ port: a.port, route: 'a' }, { port: b.port, route: 'b' }], { retries: 1 })]));
    const all = Promise.all(Array.from({ length: 20 }, () => request(plane.port, { path: '/app' })));
    await Promise.all([waitForSeen(a, 10), waitForSeen(b, 10)]);
    releaseA();
    // Four of a's ten 503s are retried on b (the budget); the other six are answered as they are.
    await waitForSeen(b, 14);
    releaseB();
    const answers = await all;
    expect(answers.filter((x) => x.status === 503)).toHaveLength(6); // 10 failed on a, 4 retried (20% of 20)
    expect(answers.filter((x) => x.status === 200)).toHaveLength(14);
    expect(b.seen).toHaveLength(14);
  });
});

describe('passive health', () => {
  it('ejects a server after consecutive gateway errors and brings it back after the ejection time', async () => {
    const clock = new ManualClock();
    let failing = true;
    const flaky = await track(startUpstream('flaky', (_req, res) => { if (failing) { res.writeHead(502); res.end(); } else res.end('flaky'); }));
    const good = await track(startUpstream('good'));
    const plane = await track(
      startPlane([
        target('ns/app', ['/app'], [{ port: flaky.port, route: 'flaky' }, { port: good.port, route: 'good' }], {
          outlierDetection: { consecutiveFailures: 2, ejectionTimeMs: 30_000, maxEjectionPercent: 50 },
          retries: 1,
        }),
      ],
      { clock },
      ),
    );
    expect(await bodies(plane, 6)).toEqual(Array(6).fill('good')); // the 502s were retried on good
    await plane.waitForLog((l) => l['msg'] === 'server ejected');
    const seenWhileEjected = flaky.seen.length;
    expect(await bodies(plane, 4)).toEqual(Array(4).fill('good'));
    expect(flaky.seen.length).toBe(seenWhileEjected);
    const status = (await (await fetch(`http://127.0.0.1:${plane.adminPort}/api/targets`)).json()) as { targets: Array<{ servers: Array<{ route: string; state: string }> }> };
    expect(status.targets[0]!.servers.find((s) => s.route === 'flaky')!.state).toBe('ejected');

    failing = false;
    await clock.advance(29_999);
    expect(plane.plane.health.targetStates('ns/app')[0]!.state(clock.now())).toBe('ejected');
    await clock.advance(1);
    expect(new Set(await bodies(plane, 4))).toEqual(new Set(['flaky', 'good']));
    const metrics = await (await fetch(`http://127.0.0.1:${plane.adminPort}/metrics`)).text();
    expect(metrics).toContain('passthru_ejections_total{target="ns/app",server="flaky",reason="gateway_error"} 1');
  });
});

describe('active health checks over real sockets', () => {
  it('keeps an unhealthy server out until its checks pass', async () => {
    let sick = true;
    const health = (name: string, isSick: () => boolean) => (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      if (req.url === '/health') {
        res.writeHead(isSick() ? 500 : 200);
        return res.end();
      }
      res.end(name);
    };
    const a = await track(startUpstream('a', health('a', () => sick)));
    const b = await track(startUpstream('b', health('b', () => false)));
    const check = { path: '/health', intervalMs: 100, timeoutMs: 100, healthyThreshold: 1, unhealthyThreshold: 1, expectStatus: [[200, 399]] as Array<[number, number]> };
    const plane = await track(startPlane([target('ns/app', ['/app'], [{ port: a.port, route: 'a' }, { port: b.port, route: 'b' }], { healthCheck: check })]));
    await plane.waitForLog((l) => l['msg'] === 'server healthy' && l['server'] === 'b');
    expect(await bodies(plane, 4)).toEqual(Array(4).fill('b'));
    // a must have failed a check while sick (its first probe may come after b's first pass).
    await waitForSeen(a, 1);
    sick = false;
    await plane.waitForLog((l) => l['msg'] === 'server healthy' && l['server'] === 'a');
    expect(new Set(await bodies(plane, 4))).toEqual(new Set(['a', 'b']));
    const metrics = await (await fetch(`http://127.0.0.1:${plane.adminPort}/metrics`)).text();
    expect(metrics).toMatch(/passthru_health_checks_total\{target="ns\/app",server="a",result="failure"\} [1-9]/);
    expect(metrics).toContain('passthru_server_up{target="ns/app",server="a"} 1');
  });
});

describe('client disconnects and slow servers', () => {
  it('aborts the upstream request when the client goes away', async () => {
    let arrived!: () => void;
    const arrival = new Promise<void>((r) => (arrived = r));
    let upstreamGone!: () => void;
    const gone = new Promise<void>((r) => (upstreamGone = r));
    const held = await track(
      startUpstream('held', (_req, res) => {
        res.on('close', () => upstreamGone()); // the proxy's connection to us went away unanswered
        arrived();
      }),
    );
    const plane = await track(startPlane([target('ns/app', ['/app'], [{ port: held.port, route: 'held' }])]));
    const socket = net.connect(plane.port, '127.0.0.1');
    socket.write('GET /app HTTP/1.1\r\nHost: a\r\n\r\n');
    await arrival;
    socket.destroy();
    await gone;
    const metrics = await (await fetch(`http://127.0.0.1:${plane.adminPort}/metrics`)).text();
    expect(metrics).toContain('passthru_requests_total{target="ns/app",server="held",method="GET",code="499"} 1');
  });

  it('answers 504 within the response timeout even when the client sent Expect: 100-continue', async () => {
    const silent = await track(startHoldingUpstream('silent', '/app').then((h) => h.up));
    const plane = await track(
      startPlane([target('ns/app', ['/app'], [{ port: silent.port }], { timeouts: { connectMs: 1_000, responseMs: 200, idleMs: 1_000 } })]),
    );
    const answer = await request(plane.port, { path: '/app', method: 'POST', headers: { expect: '100-continue' }, body: 'x' });
    expect(answer.status).toBe(504);
  });
});

