// Real upstream servers on port 0 for proxy tests, and a raw TCP one that records exact bytes.
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
  close(): Promise<void>;
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
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    name,
    port: (server.address() as AddressInfo).port,
    seen,
    server,
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
