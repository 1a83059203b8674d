import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { startPlane, target } from '../helpers/plane.ts';
import { rawRequest } from '../helpers/raw.ts';
import { closeServer, tracker } from '../helpers/upstream.ts';

const track = tracker();
afterEach(track.closeAll);

/** A WebSocket echo server that prefixes its name, and records the upgrade requests it saw. */
async function echoServer(name: string): Promise<{ name: string; port: number; upgrades: http.IncomingHttpHeaders[]; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => res.end(name));
  const wss = new WebSocketServer({ server });
  const upgrades: http.IncomingHttpHeaders[] = [];
  wss.on('connection', (ws, req) => {
    upgrades.push(req.headers);
    ws.on('message', (data) => ws.send(`${name}:${String(data)}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    name,
    port: (server.address() as AddressInfo).port,
    upgrades,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await closeServer(server);
    },
  };
}

function connect(port: number, path: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; response: http.IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
    ws.once('upgrade', (response) => ws.once('open', () => resolve({ ws, response })));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

async function say(ws: WebSocket, text: string): Promise<string> {
  ws.send(text);
  const [data] = await once(ws, 'message');
  return String(data);
}

describe('WebSocket', () => {
  it('echoes through the proxy with the forwarding headers, sticky to the session\'s server', async () => {
    const s1 = await track(echoServer('s1'));
    const s2 = await track(echoServer('s2'));
    const plane = await track(
      startPlane([target('ns/chat', ['/chat'], [{ port: s1.port, route: 's1' }, { port: s2.port, route: 's2' }], { sticky: { cookie: 'ROUTEID', insert: true, noFailover: false } })]),
    );
    const first = await connect(plane.port, '/chat/room');
    const pinned = await say(first.ws, 'hello');
    const route = pinned.split(':')[0]!;
    expect(first.response.headers['set-cookie']).toEqual([`ROUTEID=.${route}; Path=/; HttpOnly`]);
    first.ws.close();

    for (let i = 0; i < 3; i++) {
      const again = await connect(plane.port, '/chat/room', { cookie: `ROUTEID=.${route}` });
      expect(await say(again.ws, `n${i}`)).toBe(`${route}:n${i}`);
      expect(again.response.headers['set-cookie']).toBeUndefined();
      again.ws.close();
      await once(again.ws, 'close');
    }
    const server = route === 's1' ? s1 : s2;
    expect(server.upgrades[0]!['x-forwarded-for']).toBe('127.0.0.1');
    expect(server.upgrades[0]!['via']).toBe('1.1 passthru');

    const metrics = await (await fetch(`http://127.0.0.1:${plane.adminPort}/metrics`)).text();
    expect(metrics).toContain(`passthru_requests_total{target="ns/chat",server="${route}",method="GET",code="101"} 4`);
  });

  it('closes the client side when the server side closes, and the other way round', async () => {
    const s1 = await track(echoServer('s1'));
    const plane = await track(startPlane([target('ns/chat', ['/'], [{ port: s1.port }])]));
    const { ws } = await connect(plane.port, '/');
    await say(ws, 'x');
    const closed = once(ws, 'close');
    await s1.close(); // the server goes away
    await closed;
  });

  it('closes the server side when the client closes', async () => {
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    const serverClosed = new Promise<void>((resolve) => wss.on('connection', (ws) => ws.on('close', () => resolve())));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    track(Promise.resolve({ close: () => closeServer(server) }));
    const plane = await track(startPlane([target('ns/chat', ['/'], [{ port: (server.address() as AddressInfo).port }])]));
    const { ws } = await connect(plane.port, '/');
    ws.terminate(); // the client goes away without a closing handshake
    await serverClosed;
  });

  it('closes an idle WebSocket after timeouts.idle', async () => {
    const s1 = await track(echoServer('s1'));
    const plane = await track(startPlane([target('ns/chat', ['/'], [{ port: s1.port }], { timeouts: { connectMs: 1_000, responseMs: 5_000, idleMs: 300 } })]));
    const { ws } = await connect(plane.port, '/');
    expect(await say(ws, 'still here')).toBe('s1:still here');
    const started = performance.now();
    await once(ws, 'close');
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('relays a server that declines the upgrade, and answers 503 when no server can take it', async () => {
    const plain = await track(
      (async () => {
        const server = http.createServer((_req, res) => {
          res.writeHead(403, { 'content-length': 2 });
          res.end('no');
        });
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        return { port: (server.address() as AddressInfo).port, close: () => closeServer(server) };
      })(),
    );
    const plane = await track(startPlane([target('ns/app', ['/'], [{ port: plain.port }])]));
    await expect(connect(plane.port, '/')).rejects.toThrow('status 403');

    const dead = await track(startPlane([target('ns/app', ['/'], [{ port: 1 }])]));
    const answer = await rawRequest(dead.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    expect(answer.status).toBe(503);
    expect(answer.closed).toBe(true);
  });
});
