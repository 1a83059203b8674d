import { afterEach, describe, expect, it } from 'vitest';
import type { ForwardedMode } from '../../src/api/types.ts';
import { startPlane, target, request } from '../helpers/plane.ts';
import { startUpstream, tracker } from '../helpers/upstream.ts';
import type { TargetConfig } from '../../src/routing/model.ts';

const track = tracker();
afterEach(track.closeAll);

const headersWith = (extra: Partial<TargetConfig['headers']>): Partial<TargetConfig> => ({
  headers: { forwarded: 'xForwarded', via: true, connector: 'none', request: { set: {}, remove: [] }, response: { set: {}, remove: [] }, ...extra },
});

const CLAIMS = {
  'x-forwarded-for': '6.6.6.6',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'claimed.test',
  'x-forwarded-port': '444',
  forwarded: 'for=6.6.6.6;proto=https',
};

type Expected = Partial<Record<'x-forwarded-for' | 'x-forwarded-proto' | 'x-forwarded-host' | 'x-forwarded-port' | 'forwarded', string | undefined>>;

// mode x trusted x family -> what the server sees. The client sends CLAIMS every time.
const cases: Array<[ForwardedMode, boolean, 'IPv4' | 'IPv6', Expected]> = [
  ['xForwarded', false, 'IPv4', { 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'app.test:8080', 'x-forwarded-port': '8080', forwarded: undefined }],
  ['xForwarded', true, 'IPv4', { 'x-forwarded-for': '6.6.6.6, 127.0.0.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'claimed.test', 'x-forwarded-port': '444', forwarded: 'for=6.6.6.6;proto=https' }],
  ['xForwarded', false, 'IPv6', { 'x-forwarded-for': '::1', forwarded: undefined }],
  ['xForwarded', true, 'IPv6', { 'x-forwarded-for': '6.6.6.6, ::1' }],
  ['forwarded', false, 'IPv4', { forwarded: 'for=127.0.0.1;proto=http;host="app.test:8080"', 'x-forwarded-for': undefined, 'x-forwarded-proto': undefined }],
  ['forwarded', true, 'IPv4', { forwarded: 'for=6.6.6.6;proto=https, for=127.0.0.1;proto=http;host="app.test:8080"', 'x-forwarded-for': '6.6.6.6' }],
  ['forwarded', false, 'IPv6', { forwarded: 'for="[::1]";proto=http;host="app.test:8080"' }],
  ['forwarded', true, 'IPv6', { forwarded: 'for=6.6.6.6;proto=https, for="[::1]";proto=http;host="app.test:8080"' }],
  ['both', false, 'IPv4', { 'x-forwarded-for': '127.0.0.1', forwarded: 'for=127.0.0.1;proto=http;host="app.test:8080"' }],
  ['both', true, 'IPv6', { 'x-forwarded-for': '6.6.6.6, ::1', forwarded: 'for=6.6.6.6;proto=https, for="[::1]";proto=http;host="app.test:8080"' }],
  ['both', true, 'IPv4', { 'x-forwarded-for': '6.6.6.6, 127.0.0.1', forwarded: 'for=6.6.6.6;proto=https, for=127.0.0.1;proto=http;host="app.test:8080"' }],
  ['both', false, 'IPv6', { 'x-forwarded-for': '::1', 'x-forwarded-proto': 'http', forwarded: 'for="[::1]";proto=http;host="app.test:8080"' }],
  ['none', false, 'IPv4', { 'x-forwarded-for': undefined, 'x-forwarded-proto': undefined, forwarded: undefined }],
  ['none', true, 'IPv4', { 'x-forwarded-for': '6.6.6.6', forwarded: 'for=6.6.6.6;proto=https' }],
  ['none', false, 'IPv6', { 'x-forwarded-for': undefined, forwarded: undefined }],
  ['none', true, 'IPv6', { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https', forwarded: 'for=6.6.6.6;proto=https' }],
];

describe('headers.forwarded', () => {
  it.each(cases)('%s, trusted=%s, over %s', async (mode, trusted, family, expected) => {
    const up = await track(startUpstream('a'));
    const plane = await track(
      startPlane([target('ns/app', ['/'], [{ port: up.port }], headersWith({ forwarded: mode }))], {
        listenHost: '::',
        trustedProxies: trusted ? ['127.0.0.1/32', '::1/128'] : [],
      }),
    );
    await request(plane.port, { host: 'app.test:8080', headers: CLAIMS, address: family === 'IPv4' ? '127.0.0.1' : '::1' });
    const seen = up.seen[0]!.headers;
    for (const [name, value] of Object.entries(expected)) expect(seen[name], name).toBe(value);
  });
});

describe('headers.connector: websphere', () => {
  const connector = headersWith({ connector: 'websphere', connectorSecretRef: { name: 'ws', key: 'secret' } });
  const SECRET = 'the-backend-trusts-this-0b7c1e';

  it('sends the connector headers with the real client, and the shared secret', async () => {
    const up = await track(startUpstream('a'));
    const plane = await track(startPlane([target('ns/app', ['/'], [{ port: up.port }], { ...connector, connectorSecret: SECRET })]));
    await request(plane.port, { host: 'shop.example.com:8080', path: '/x' });
    const h = up.seen[0]!.headers;
    expect({ ra: h['$wsra'], rh: h['$wsrh'], sc: h['$wssc'], is: h['$wsis'], sn: h['$wssn'], sp: h['$wssp'], pr: h['$wspr'], secret: h['$wssecret'] }).toEqual({
      ra: '127.0.0.1',
      rh: '127.0.0.1',
      sc: 'http',
      is: 'False',
      sn: 'shop.example.com',
      sp: '8080',
      pr: 'HTTP/1.1',
      secret: SECRET,
    });
  });

  it('cannot be spoofed by a client, on a connector target or any other', async () => {
    const up = await track(startUpstream('a'));
    const plain = await track(startUpstream('plain'));
    const plane = await track(
      startPlane([
        target('ns/app', ['/app'], [{ port: up.port }], { ...connector, connectorSecret: SECRET }),
        target('ns/plain', ['/plain'], [{ port: plain.port }]),
      ]),
    );
    const forged = { $wsra: '10.9.9.9', $wsis: 'True', $wssc: 'https', $wssecret: 'guess', $wsru: 'admin' };
    await request(plane.port, { path: '/app', headers: forged });
    await request(plane.port, { path: '/plain', headers: forged });
    const h = up.seen[0]!.headers;
    expect([h['$wsra'], h['$wsis'], h['$wssc'], h['$wssecret'], h['$wsru']]).toEqual(['127.0.0.1', 'False', 'http', SECRET, undefined]);
    expect(Object.keys(plain.seen[0]!.headers).filter((k) => k.startsWith('$ws'))).toEqual([]);
  });

  it('says https and True behind a trusted TLS-terminating proxy', async () => {
    const up = await track(startUpstream('a'));
    const plane = await track(startPlane([target('ns/app', ['/'], [{ port: up.port }], { ...connector, connectorSecret: SECRET })], { trustedProxies: ['127.0.0.1'] }));
    await request(plane.port, { host: 'shop.example.com', headers: { 'x-forwarded-proto': 'https' } });
    const h = up.seen[0]!.headers;
    expect([h['$wssc'], h['$wsis'], h['$wssp']]).toEqual(['https', 'True', '443']);
  });

  it('never shows the secret in logs, access logs or /api/targets', async () => {
    const up = await track(startUpstream('a'));
    const plane = await track(startPlane([target('ns/app', ['/'], [{ port: up.port }], { ...connector, connectorSecret: SECRET })], { accessLog: true }));
    await request(plane.port, { path: '/x' });
    await up.close();
    await request(plane.port, { path: '/y' }); // an upstream error logged too
    const status = await (await fetch(`http://127.0.0.1:${plane.adminPort}/api/targets`)).text();
    const metrics = await (await fetch(`http://127.0.0.1:${plane.adminPort}/metrics`)).text();
    expect(plane.logs.length).toBeGreaterThan(2);
    expect(JSON.stringify(plane.logs)).not.toContain(SECRET);
    expect(status).not.toContain(SECRET);
    expect(metrics).not.toContain(SECRET);
  });
});

describe('headers.request and headers.response', () => {
  it('set and remove, case-insensitively, in both directions; remove wins over the server', async () => {
    const up = await track(
      startUpstream('a', (_req, res) => {
        res.setHeader('Server', 'Liberty/24');
        res.setHeader('X-Powered-By', 'Servlet/6.0');
        res.setHeader('X-Frame-Options', 'ALLOW');
        res.end('ok');
      }),
    );
    const rules = headersWith({
      request: { set: { 'X-App': 'exampleapp', 'x-forwarded-port': '443' }, remove: ['x-debug', 'COOKIE'] },
      response: { set: { 'X-Frame-Options': 'DENY' }, remove: ['server', 'X-POWERED-BY', 'via'] },
    });
    const plane = await track(startPlane([target('ns/app', ['/'], [{ port: up.port }], rules)]));
    const answer = await request(plane.port, { headers: { 'X-Debug': '1', 'x-app': 'client', cookie: 'a=1' } });
    const h = up.seen[0]!.headers;
    expect([h['x-app'], h['x-debug'], h['cookie'], h['x-forwarded-port']]).toEqual(['exampleapp', undefined, undefined, '443']);
    expect([answer.headers['server'], answer.headers['x-powered-by'], answer.headers['x-frame-options'], answer.headers['via']]).toEqual([
      undefined,
      undefined,
      'DENY',
      undefined,
    ]);
  });
});

describe('X-Request-Id', () => {
  it('is generated, passed upstream and returned; a trusted peer\'s is kept, an untrusted one\'s replaced', async () => {
    const up = await track(startUpstream('a'));
    const plane = await track(startPlane([target('ns/app', ['/'], [{ port: up.port }])], { accessLog: true }));
    const answer = await request(plane.port, { headers: { 'x-request-id': 'forged-id' } });
    const id = answer.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(up.seen[0]!.headers['x-request-id']).toBe(id);
    expect(plane.logs.find((l) => l['log'] === 'access')?.['requestId']).toBe(id);

    const trustedPlane = await track(startPlane([target('ns/app', ['/'], [{ port: up.port }])], { trustedProxies: ['127.0.0.1'] }));
    const kept = await request(trustedPlane.port, { headers: { 'x-request-id': 'lb-1234' } });
    expect(kept.headers['x-request-id']).toBe('lb-1234');
  });
});

describe('the access log path', () => {
  it('drops ;parameters (session ids) and the query', async () => {
    const { loggablePath } = await import('../../src/proxy/handler.ts');
    expect(loggablePath('/app/page;jsessionid=ABC.srv1')).toBe('/app/page');
    expect(loggablePath('/a;x=1/b;y=2')).toBe('/a/b');
    expect(loggablePath('/plain/path')).toBe('/plain/path');
  });
});
