// Real upstream servers on port 0 for proxy tests, and a raw TCP one that records exact bytes.
import { EventEmitter } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

export interface TestUpstream {
  name: string;
  port: number;
  seen: SeenRequest[];
  server: http.Server;
  /** Emits 'seen' after each request is recorded. */
  events: EventEmitter;
  close(): Promise<void>;
}

/** Resolves once `up` has recorded at least `n` requests. */
export function waitForSeen(up: TestUpstream, n: number): Promise<void> {
  if (up.seen.length >= n) return Promise.resolve();
  return new Promise((resolve) => {
    const check = (): void => {
      if (up.seen.length < n) return;
      up.events.off('seen', check);
      resolve();
    };
    up.events.on('seen', check);
  });
}

export type UpstreamHandler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

const echoName =
  (name: string): UpstreamHandler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'x-served-by': name });
    res.end(name);
  };

export async function startUpstream(name: string, handler: UpstreamHandler = echoName(name)): Promise<TestUpstream> {
  const seen: SeenRequest[] = [];
  const events = new EventEmitter();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, body });
      handler(req, res, body);
      events.emit('seen');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    name,
    port: (server.address() as AddressInfo).port,
    seen,
    server,
    events,
    close: () => closeServer(server),
  };
}

/** A TCP server that answers every connection with `respond(socket, bytesSoFar)`. */
export async function startRawUpstream(
  respond: (socket: net.Socket, received: Buffer) => void,
): Promise<{ port: number; received: Buffer[]; close(): Promise<void> }> {
  const received: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buf = Buffer.alloc(0);
    let answered = false;
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      received.push(d);
      if (!answered && buf.includes('\r\n\r\n')) {
        answered = true;
        respond(socket, buf);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on: bound, then released. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** An upstream that holds `path` until released, and says when the request has arrived. */
export async function startHoldingUpstream(
  name: string,
  path = '/slow',
): Promise<{ up: TestUpstream; arrived: Promise<void>; release: (body?: string) => void }> {
  let release!: (body?: string) => void;
  const released = new Promise<string>((r) => (release = (body = `${name} done`) => r(body)));
  let arrived!: () => void;
  const arrival = new Promise<void>((r) => (arrived = r));
  const up = await startUpstream(name, (req, res) => {
    if (req.url !== path) return res.end(name);
    arrived();
    void released.then((body) => res.end(body));
  });
  return { up, arrived: arrival, release };
}

/** Collects things to close after each test: `const track = tracker(); afterEach(track.closeAll)`. */
export function tracker(): { <T extends { close(): Promise<void> }>(p: Promise<T>): Promise<T>; closeAll(): Promise<void> } {
  const open: Array<{ close(): Promise<void> }> = [];
  const track = async <T extends { close(): Promise<void> }>(p: Promise<T>): Promise<T> => {
    const v = await p;
    open.push(v);
    return v;
  };
  return Object.assign(track, { closeAll: async () => void (await Promise.all(open.splice(0).map((x) => x.close()))) });
}
