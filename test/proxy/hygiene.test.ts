import { afterEach, describe, expect, it } from 'vitest';
import { startPlane, target, request } from '../helpers/plane.ts';
import { rawRequest } from '../helpers/raw.ts';
import { startRawUpstream, startUpstream, tracker } from '../helpers/upstream.ts';

const track = tracker();
afterEach(track.closeAll);

const OK = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';

/** The header block the upstream received for the first request, lower-cased names. */
function receivedHeaders(received: Buffer[]): Map<string, string[]> {
  const text = Buffer.concat(received).toString('latin1');
  const block = text.slice(0, text.indexOf('\r\n\r\n'));
  const map = new Map<string, string[]>();
  for (const line of block.split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    const name = line.slice(0, i).toLowerCase();
    map.set(name, [...(map.get(name) ?? []), line.slice(i + 1).trim()]);
  }
  return map;
}

describe('hop-by-hop headers', () => {
  it('never reach the server, nor do headers the Connection header names', async () => {
    const up = await track(startRawUpstream((s) => s.end(OK)));
    const plane = await track(startPlane([target('ns/app', ['/'], [{ port: up.port }])]));
    const answer = await rawRequest(
      plane.port,
      'GET /x HTTP/1.1\r\nHost: a.test\r\nConnection: keep-alive, X-Secret-Hop, close\r\nKeep-Alive: timeout=5\r\n' +
        'Proxy-Connection: keep-alive\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nTE: trailers\r\nTrailer: X-T\r\n' +
        'Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\nX-Secret-Hop: 1\r\nX-Kept: yes\r\n\r\n',
    );
    expect(answer.status).toBe(200);
    const seen = receivedHeaders(up.received);
    for (const name of ['keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'upgrade', 'http2-settings', 'x-secret-hop']) {
      expect(seen.has(name), name).toBe(false);
    }
    // our own hop's Connection header only, never the client's tokens
    expect(seen.get('connection')).toEqual(['keep-alive']);
    expect(seen.get('x-kept')).toEqual(['yes']);
  });

  it('re-frames a chunked request body for the server hop', async () => {
    const up = await track(startUpstream('a', (_req, res, body) => res.end(`got ${body}`)));
    const plane = await track(startPlane([target('ns/app', ['/'], [{ port: up.port }])]));
    const answer = await rawRequest(plane.port, 'GET /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
    expect(answer.text).toMatch(/got hello$/);
    expect(up.seen[0]?.headers['transfer-encoding']).toBe('chunked');
  });

  it('keeps the framing of a DELETE with a chunked body (no Content-Length: 0 smuggling)', async () => {
    const up = await track(startUpstream('a', (_req, res, body) => res.end(`got ${body}`)));
    const plane = await track(startPlane([target('ns/app', ['/'], [{ port: up.port }])]));
    const answer = await rawRequest(plane.port, 'DELETE /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    expect(answer.status).toBe(200);
    expect(answer.text).toMatch(/got abc$/);
    expect(up.seen[0]?.headers['content-length']).toBeUndefined();
  });

  it('keeps the upstream connection headers on its own hop', async () => {
    const up = await track(
      startRawUpstream((s) => s.end('HTTP/1.1 200 OK\r\nConnection: close, X-Up-Hop\r\nKeep-Alive: timeout=1\r\nX-Up-Hop: 1\r\nProxy-Authenticate: Basic\r\ncontent-length: 2\r\n\r\nok')),
    );
    const plane = await track(startPlane([target('ns/app', ['/'], [{ port: up.port }])]));
    const answer = await request(plane.port, { path: '/x' });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-up-hop']).toBeUndefined();
    expect(answer.headers['keep-alive']).toBeUndefined();
    expect(answer.headers['proxy-authenticate']).toBeUndefined();
    expect(answer.headers['via']).toBe('1.1 passthru');
  });

  it('serves an h2c upgrade request as plain HTTP/1.1 without forwarding the upgrade', async () => {
    const up = await track(startUpstream('a'));
    const plane = await track(startPlane([target('ns/app', ['/'], [{ port: up.port }])]));
    const answer = await rawRequest(plane.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings, close\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n');
    expect(answer.status).toBe(200);
    expect(up.seen[0]?.headers.upgrade).toBeUndefined();
    expect(up.seen[0]?.headers['http2-settings']).toBeUndefined();
  });
});

describe('a reverse proxy is never a forward proxy', () => {
  it.each([
    ['absolute-form', 'GET http://elsewhere.test/ HTTP/1.1\r\nHost: elsewhere.test\r\n\r\n', 'PASSTHRU_NOT_ORIGIN_FORM'],
    ['absolute-form https', 'POST https://10.0.0.1:8443/x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n', 'PASSTHRU_NOT_ORIGIN_FORM'],
    ['asterisk-form', 'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n', 'PASSTHRU_NOT_ORIGIN_FORM'],
    ['CONNECT', 'CONNECT elsewhere.test:443 HTTP/1.1\r\nHost: elsewhere.test:443\r\n\r\n', 'PASSTHRU_CONNECT_REFUSED'],
    ['duplicate Host', 'GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n', 'PASSTHRU_DUPLICATE_HOST'],
  ])('%s gets 400 and the connection closes; nothing reaches the server', async (_name, payload, code) => {
    const up = await track(startRawUpstream((s) => s.end(OK)));
    const plane = await track(startPlane([target('ns/app', ['/'], [{ port: up.port }])]));
    const answer = await rawRequest(plane.port, payload);
    expect(answer.status).toBe(400);
    expect(answer.text.toLowerCase()).toContain(`x-passthru-error: ${code.toLowerCase()}`);
    expect(answer.closed).toBe(true);
    expect(up.received).toHaveLength(0);
  });

  it('answers 431 to more than 100 header fields', async () => {
    const plane = await track(startPlane([target('ns/app', ['/'], [{ port: 1 }])]));
    const many = Array.from({ length: 101 }, (_, i) => `X-H${i}: v\r\n`).join('');
    const answer = await rawRequest(plane.port, `GET / HTTP/1.1\r\nHost: a\r\n${many}\r\n`);
    expect(answer.status).toBe(431);
  });

  it('answers 431 to a header block above 16 KiB', async () => {
    const plane = await track(startPlane([target('ns/app', ['/'], [{ port: 1 }])]));
    const answer = await rawRequest(plane.port, `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`);
    expect(answer.status).toBe(431);
    expect(answer.closed).toBe(true);
  });
});
