import { afterEach, describe, expect, it } from 'vitest';
import { startPlane, target, request } from '../helpers/plane.ts';
import { startUpstream, tracker } from '../helpers/upstream.ts';
import type { TargetConfig } from '../../src/routing/model.ts';

const track = tracker();
afterEach(track.closeAll);

const rewrite = (r: Partial<TargetConfig['rewrite']>): Partial<TargetConfig> => ({
  rewrite: { stripContextRoot: false, reverseRedirects: true, cookieDomain: {}, cookiePath: {}, ...r },
});

describe('rewrite.stripContextRoot', () => {
  it.each([
    ['/exampleapp/a/b?q=1', '/a/b?q=1'],
    ['/exampleapp', '/'],
    ['/exampleapp/', '/'],
    ['/exampleapp?q', '/?q'],
  ])('%s reaches the server as %s', async (path, upstreamPath) => {
    const up = await track(startUpstream('a'));
    const plane = await track(startPlane([target('ns/app', ['/exampleapp'], [{ port: up.port }], rewrite({ stripContextRoot: true }))]));
    await request(plane.port, { path });
    expect(up.seen[0]!.url).toBe(upstreamPath);
  });
});

describe('rewrite.reverseRedirects (ProxyPassReverse)', () => {
  async function redirecting(location: string, extra: Partial<TargetConfig> = {}, trustedProxies: string[] = []) {
    const up = await track(
      startUpstream('a', (req, res) => {
        res.writeHead(302, { location: location.replace('{port}', String(up.port)), 'content-location': `http://127.0.0.1:${up.port}/doc`, uri: `http://127.0.0.1:${up.port}/u` });
        res.end();
      }),
    );
    const plane = await track(startPlane([target('ns/app', ['/exampleapp'], [{ port: up.port }], extra)], { trustedProxies }));
    return { up, plane };
  }

  it('points a redirect at one of the servers back at the public host, restoring a stripped root', async () => {
    const { plane, up } = await redirecting('http://127.0.0.1:{port}/login?next=%2Fhome', rewrite({ stripContextRoot: true }));
    const answer = await request(plane.port, { path: '/exampleapp/secure', host: 'apps.example.com' });
    expect(up.seen[0]!.url).toBe('/secure');
    expect(answer.headers.location).toBe('http://apps.example.com/exampleapp/login?next=%2Fhome');
    expect(answer.headers['content-location']).toBe('http://apps.example.com/exampleapp/doc');
    expect(answer.headers['uri']).toBe('http://apps.example.com/exampleapp/u');
  });

  it('uses https when a trusted TLS-terminating proxy says so (round trip behind a load balancer)', async () => {
    const { plane } = await redirecting('http://127.0.0.1:{port}/exampleapp/login', {}, ['127.0.0.1']);
    const answer = await request(plane.port, { path: '/exampleapp/', host: 'apps.example.com', headers: { 'x-forwarded-proto': 'https' } });
    expect(answer.headers.location).toBe('https://apps.example.com/exampleapp/login');
  });

  it('ignores X-Forwarded-Proto from an untrusted client', async () => {
    const { plane } = await redirecting('http://127.0.0.1:{port}/exampleapp/login');
    const answer = await request(plane.port, { path: '/exampleapp/', host: 'apps.example.com', headers: { 'x-forwarded-proto': 'https' } });
    expect(answer.headers.location).toBe('http://apps.example.com/exampleapp/login');
  });

  it('leaves relative redirects and other hosts alone, and does nothing when turned off', async () => {
    for (const location of ['/exampleapp/relative', 'https://sso.example.com/auth?x=1']) {
      const { plane } = await redirecting(location);
      expect((await request(plane.port, { path: '/exampleapp/', host: 'apps.example.com' })).headers.location).toBe(location);
    }
    const { plane, up } = await redirecting('http://127.0.0.1:{port}/x', rewrite({ reverseRedirects: false }));
    expect((await request(plane.port, { path: '/exampleapp/', host: 'apps.example.com' })).headers.location).toBe(`http://127.0.0.1:${up.port}/x`);
  });
});

describe('rewrite.cookieDomain and rewrite.cookiePath', () => {
  it('maps every Set-Cookie header, and "" removes the attribute', async () => {
    const up = await track(
      startUpstream('a', (_req, res) => {
        res.setHeader('Set-Cookie', [
          'JSESSIONID=0001.srv1; Path=/; Domain=liberty-0.liberty.apps.svc; HttpOnly',
          'LtpaToken2=abc; Path=/ibm/console; Domain=.Liberty-0.liberty.apps.svc; Secure',
          'pref=dark; Domain=other.example.com; Path=/elsewhere',
        ]);
        res.end();
      }),
    );
    const rules = rewrite({ cookieDomain: { 'liberty-0.liberty.apps.svc': '' }, cookiePath: { '/': '/exampleapp/', '/ibm/console': '/admin' } });
    const plane = await track(startPlane([target('ns/app', ['/exampleapp'], [{ port: up.port }], rules)]));
    const answer = await request(plane.port, { path: '/exampleapp/' });
    expect(answer.headers['set-cookie']).toEqual([
      'JSESSIONID=0001.srv1; Path=/exampleapp/; HttpOnly',
      'LtpaToken2=abc; Path=/admin; Secure',
      'pref=dark; Domain=other.example.com; Path=/exampleapp/elsewhere',
    ]);
  });
});
