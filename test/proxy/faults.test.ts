import { afterEach, describe, expect, it } from 'vitest';
import { startPlane, target, request } from '../helpers/plane.ts';
import { rawRequest } from '../helpers/raw.ts';
import { freePort, startRawUpstream, startUpstream, tracker } from '../helpers/upstream.ts';

const track = tracker();
afterEach(track.closeAll);

const GET = 'GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';

describe('upstream faults', () => {
  it('answers 503 when the only server refuses connections', async () => {
    const plane = await track(startPlane([target('ns/app', ['/'], [{ port: await freePort() }])]));
    const answer = await request(plane.port, { path: '/x' });
    expect(answer.status).toBe(503);
    expect(answer.headers['x-passthru-error']).toBe('PASSTHRU_NO_SERVER');
  });

  it('moves a bodiless request to the next server when one refuses', async () => {
    const good = await track(startUpstream('good'));
    const plane = await track(startPlane([target('ns/app', ['/'], [{ port: await freePort(), route: 'dead' }, { port: good.port, route: 'good' }])]));
    const bodies = await Promise.all([1, 2, 3, 4].map(() => request(plane.port, { path: '/x' })));
    expect(bodies.map((b) => `${b.status} ${b.body}`)).toEqual(Array(4).fill('200 good'));
  });

  it('answers 502 when the server resets the connection before answering', async () => {
    const up = await track(startRawUpstream((s) => s.resetAndDestroy()));
    const plane = await track(startPlane([target('ns/app', ['/'], [{ port: up.port }])]));
    const answer = await rawRequest(plane.port, GET);
    expect(answer.status).toBe(502);
    expect(answer.text).toContain('PASSTHRU_UPSTREAM_FAILED');
  });

  it('answers 502 when the server writes half a header block and hangs up', async () => {
    const up = await track(startRawUpstream((s) => s.end('HTTP/1.1 200 OK\r\nContent-Le')));
    const plane = await track(startPlane([target('ns/app', ['/'], [{ port: up.port }])]));
    expect((await rawRequest(plane.port, GET)).status).toBe(502);
  });

  it('aborts the client connection when the body ends before its Content-Length', async () => {
    const up = await track(startRawUpstream((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly-half')));
    const plane = await track(startPlane([target('ns/app', ['/'], [{ port: up.port }])]));
    const answer = await rawRequest(plane.port, 'GET /x HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(answer.status).toBe(200);
    expect(answer.closed).toBe(true);
    const body = answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4);
    expect(Buffer.byteLength(body)).toBeLessThan(100);
    await expect(request(plane.port, { path: '/x' })).rejects.toThrow();
  });

  it('never sends the last chunk of a chunked body the server cut short', async () => {
    const up = await track(startRawUpstream((s) => s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n')));
    const plane = await track(startPlane([target('ns/app', ['/'], [{ port: up.port }])]));
    const answer = await rawRequest(plane.port, 'GET /x HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(answer.status).toBe(200);
    expect(answer.closed).toBe(true);
    expect(answer.text).not.toMatch(/\r\n0\r\n\r\n$/);
  });

  it('answers 504 when no response headers arrive within the response timeout', async () => {
    const up = await track(startRawUpstream(() => {}));
    const slow = target('ns/app', ['/'], [{ port: up.port }], { timeouts: { connectMs: 1_000, responseMs: 200, idleMs: 1_000 } });
    const plane = await track(startPlane([slow]));
    const answer = await request(plane.port, { path: '/x' });
    expect(answer.status).toBe(504);
    expect(answer.headers['x-passthru-error']).toBe('PASSTHRU_UPSTREAM_TIMEOUT');
  });

  it('retries a bodiless request on a fresh connection when a pooled one was closed by the server', async () => {
    // The server answers the first request on each connection and resets it on the second,
    // as a server does when its keep-alive timer fires just as a request arrives.
    let connections = 0;
    const up = await track(
      startRawUpstream((s) => {
        connections++;
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        s.once('data', () => s.resetAndDestroy());
      }),
    );
    const plane = await track(startPlane([target('ns/app', ['/'], [{ port: up.port }])]));
    expect((await request(plane.port, { path: '/1' })).status).toBe(200);
    expect((await request(plane.port, { path: '/2' })).status).toBe(200);
    expect(connections).toBe(2);
  });

  it('keeps serving after every kind of fault', async () => {
    const reset = await track(startRawUpstream((s) => s.resetAndDestroy()));
    const good = await track(startUpstream('good'));
    const plane = await track(
      startPlane([target('ns/bad', ['/bad'], [{ port: reset.port }]), target('ns/good', ['/good'], [{ port: good.port }])]),
    );
    for (let i = 0; i < 20; i++) await rawRequest(plane.port, 'GET /bad HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect((await request(plane.port, { path: '/good' })).body).toBe('good');
  });
});
