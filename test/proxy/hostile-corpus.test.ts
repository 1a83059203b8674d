// QUALITY.md "Bad input": the hostile corpus (hostile-corpus.ts) over raw sockets, through one
// in-process data plane, to a raw-socket server that parses what it receives strictly and keeps
// the exact bytes. Figures: no request forwarded with ambiguous framing, no crash, every
// rejection closes the connection.
import net, { type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlane, target, type TestPlane } from '../helpers/plane.ts';
import { rawRequest } from '../helpers/raw.ts';
import { CORPUS, type Category, type ExpectedRequest, type HostileCase, type Step } from './hostile-corpus.ts';

// ------------------------------------------------------------------ the recording server

/** One request as the server parsed it off the wire. */
interface Received {
  method: string;
  target: string;
  /** Lower-cased name -> every value, in order. */
  headers: Map<string, string[]>;
  body: string;
  trailers: Map<string, string[]>;
  raw: string;
}

type Parsed = { kind: 'more' } | { kind: 'bad'; reason: string } | { kind: 'ok'; request: Received; length: number };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Node's client always speaks HTTP/1.1 to the server; the target is any visible byte.
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([\x21-\xff]+) HTTP\/1\.1$/;
const FIELD_LINE = /^([^:]+):[ \t]*(.*?)[ \t]*$/;
// Field values: visible bytes, obs-text, SP and HTAB; never another control byte.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Header lines (no request line) of a block ending in CRLF, or why they are not well formed. */
function parseFields(lines: string[]): Map<string, string[]> | string {
  const fields = new Map<string, string[]>();
  for (const line of lines) {
    const m = FIELD_LINE.exec(line);
    if (!m || !TOKEN.test(m[1]!)) return `malformed field line ${JSON.stringify(line)}`;
    if (!FIELD_VALUE.test(m[2]!)) return `control byte in field ${JSON.stringify(line)}`;
    const name = m[1]!.toLowerCase();
    fields.set(name, [...(fields.get(name) ?? []), m[2]!]);
  }
  return fields;
}

/**
 * RFC 9112 framing, strictly: exactly one of one Content-Length (digits) or one
 * Transfer-Encoding: chunked, or neither (no body). Anything else is what a lenient server
 * could read two ways, so it counts as ambiguous framing.
 */
function parseRequest(buf: Buffer): Parsed {
  const text = buf.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return text.length > 64 * 1024 ? { kind: 'bad', reason: 'no end of header block' } : { kind: 'more' };
  const head = text.slice(0, end);
  if (/[\r\n]/.test(head.replaceAll('\r\n', ''))) return { kind: 'bad', reason: 'bare CR or LF in the header block' };
  const [requestLine = '', ...lines] = head.split('\r\n');
  const rl = REQUEST_LINE.exec(requestLine);
  if (!rl) return { kind: 'bad', reason: `malformed request line ${JSON.stringify(requestLine.slice(0, 200))}` };
  const headers = parseFields(lines);
  if (typeof headers === 'string') return { kind: 'bad', reason: headers };
  if ((headers.get('host') ?? []).length !== 1) return { kind: 'bad', reason: 'not exactly one Host' };
  const cl = headers.get('content-length');
  const te = headers.get('transfer-encoding');
  let pos = end + 4;
  let body = '';
  let trailers = new Map<string, string[]>();
  if (cl && te) return { kind: 'bad', reason: 'both Content-Length and Transfer-Encoding' };
  if (cl) {
    if (cl.length !== 1 || !/^\d+$/.test(cl[0]!)) return { kind: 'bad', reason: `Content-Length ${JSON.stringify(cl)}` };
    const length = Number(cl[0]);
    if (text.length < pos + length) return { kind: 'more' };
    body = text.slice(pos, pos + length);
    pos += length;
  } else if (te) {
    if (te.length !== 1 || te[0]!.toLowerCase() !== 'chunked') return { kind: 'bad', reason: `Transfer-Encoding ${JSON.stringify(te)}` };
    for (;;) {
      const eol = text.indexOf('\r\n', pos);
      if (eol < 0) return text.length - pos > 1024 ? { kind: 'bad', reason: 'chunk-size line too long' } : { kind: 'more' };
      const sizeLine = text.slice(pos, eol);
      if (!/^[0-9a-fA-F]{1,15}$/.test(sizeLine)) return { kind: 'bad', reason: `chunk-size line ${JSON.stringify(sizeLine)}` };
      const size = parseInt(sizeLine, 16);
      pos = eol + 2;
      if (size === 0) {
        const trailerEnd = text.indexOf('\r\n\r\n', pos - 2);
        if (trailerEnd < 0) return { kind: 'more' };
        const block = text.slice(pos, trailerEnd + 2);
        const parsed = parseFields(block ? block.slice(0, -2).split('\r\n') : []);
        if (typeof parsed === 'string') return { kind: 'bad', reason: `trailer: ${parsed}` };
        trailers = parsed;
        pos = trailerEnd + 4;
        break;
      }
      if (text.length < pos + size + 2) return { kind: 'more' };
      body += text.slice(pos, pos + size);
      if (text.slice(pos + size, pos + size + 2) !== '\r\n') return { kind: 'bad', reason: 'chunk data not followed by CRLF' };
      pos += size + 2;
    }
  }
  return { kind: 'ok', length: pos, request: { method: rl[1]!, target: rl[2]!, headers, body, trailers, raw: text.slice(0, pos) } };
}

/** Every ambiguously framed request any server saw, over the whole corpus. */
const allAmbiguous: string[] = [];
/** Cases where the server saw other request boundaries than the client sent. */
const desyncs: string[] = [];
/** Cases where a request that must be refused reached the server whole. */
const leaks: string[] = [];

interface Connection {
  buf: Buffer;
  open: boolean;
}

/** A TCP server that parses each connection's bytes as a stream of requests and answers each. */
class RecordingServer {
  port = 0;
  /** Requests parsed since the last reset. */
  requests: Received[] = [];
  /** Framing the server could not read unambiguously. */
  ambiguous: string[] = [];
  /** Partial requests left on connections the proxy closed. */
  abandoned: string[] = [];
  bytes = 0;
  private readonly connections = new Set<Connection>();
  private readonly sockets = new Set<net.Socket>();
  private readonly server = net.createServer((socket) => this.accept(socket));

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** True once no connection holds the start of a request it is still waiting to complete. */
  idle(): boolean {
    for (const c of this.connections) if (c.open && c.buf.length > 0) return false;
    return true;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    const conn: Connection = { buf: Buffer.alloc(0), open: true };
    this.connections.add(conn);
    this.sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => {
      conn.open = false;
      if (conn.buf.length > 0) this.abandoned.push(conn.buf.toString('latin1'));
      this.connections.delete(conn);
      this.sockets.delete(socket);
    });
    socket.on('data', (d: Buffer) => {
      this.bytes += d.length;
      conn.buf = Buffer.concat([conn.buf, d]);
      for (;;) {
        const parsed = parseRequest(conn.buf);
        if (parsed.kind === 'more') return;
        if (parsed.kind === 'bad') {
          const report = `${parsed.reason} in ${JSON.stringify(conn.buf.toString('latin1').slice(0, 300))}`;
          this.ambiguous.push(report);
          allAmbiguous.push(report);
          conn.buf = Buffer.alloc(0);
          socket.end('HTTP/1.1 400 Bad Request\r\nx-upstream-refused: 1\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
          return;
        }
        this.requests.push(parsed.request);
        conn.buf = conn.buf.subarray(parsed.length);
        const body = parsed.request.method === 'HEAD' ? '' : 'ok';
        socket.write(`HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\n${body}`);
      }
    });
  }
}

// ------------------------------------------------------------------ the hostile client

interface Conversation {
  text: string;
  /** Every status line the proxy sent, in order (1xx included). */
  statuses: number[];
  /** The proxy closed the connection (we did not). */
  closed: boolean;
}

/**
 * Plays the steps on one connection, then reads until the proxy closes or has been quiet for
 * `idleMs`. Writes after the proxy has closed are dropped, as a real client's would fail.
 */
async function converse(port: number, steps: Step[], idleMs: number): Promise<Conversation> {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  let closedByPeer = false;
  let destroyedByUs = false;
  let lastData = performance.now();
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  socket.on('data', (d: Buffer) => {
    chunks.push(d);
    lastData = performance.now();
  });
  socket.on('end', () => (closedByPeer = true));
  socket.once('close', () => {
    if (!destroyedByUs) closedByPeer = true;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const text = (): string => Buffer.concat(chunks).toString('latin1');

  for (const step of steps) {
    if (socket.destroyed) break;
    if (step === 'end') socket.end();
    else if (step === 'destroy') {
      destroyedByUs = true;
      socket.destroy();
    } else if (typeof step === 'string') {
      if (socket.writableEnded) break;
      await new Promise<void>((resolve) => socket.write(Buffer.from(step, 'latin1'), () => resolve()));
    } else if ('pause' in step) await sleep(step.pause);
    else {
      const deadline = performance.now() + 2_000;
      while (!text().includes(step.until) && !socket.destroyed && performance.now() < deadline) await sleep(5);
    }
  }
  if (!socket.destroyed) {
    lastData = Math.max(lastData, performance.now());
    // Read until the proxy closes, or until it has been quiet for idleMs.
    for (;;) {
      const quietFor = performance.now() - lastData;
      if (quietFor >= idleMs) break;
      const done = await Promise.race([closed.then(() => true), sleep(idleMs - quietFor).then(() => false)]);
      if (done) break;
    }
    destroyedByUs = !socket.destroyed;
    socket.destroy();
  }
  const all = text();
  return { text: all, statuses: statusesOf(all), closed: closedByPeer };
}

/** The status of each response in a byte stream, walking their framing (CL, chunked, or to EOF). */
function statusesOf(text: string): number[] {
  const statuses: number[] = [];
  let pos = 0;
  while (pos < text.length) {
    const m = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(text.slice(pos));
    const end = text.indexOf('\r\n\r\n', pos);
    if (!m || end < 0) {
      statuses.push(-1); // not a response: report it rather than skip it
      break;
    }
    const status = Number(m[1]);
    statuses.push(status);
    const head = text.slice(pos, end).toLowerCase();
    pos = end + 4;
    if (status < 200) continue;
    const length = /\r\ncontent-length: *(\d+)/.exec(head);
    if (length) pos += Number(length[1]);
    else if (/\r\ntransfer-encoding: *chunked/.test(head)) {
      for (;;) {
        const eol = text.indexOf('\r\n', pos);
        if (eol < 0) return statuses;
        const size = parseInt(text.slice(pos, eol), 16);
        pos = eol + 2 + size + 2;
        if (size === 0 || Number.isNaN(size)) break;
      }
    } else break; // delimited by the close
  }
  return statuses;
}

// ------------------------------------------------------------------ checks

const HOP_BY_HOP = ['keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'upgrade', 'http2-settings'];

function one(r: Received, name: string): string | undefined {
  const values = r.headers.get(name);
  return values === undefined ? undefined : values.join(', ');
}

/** What every request the server receives must look like, whatever the client sent. */
function expectClean(r: Received, label: string, websocket = false): void {
  // A WebSocket upgrade carries Upgrade/Connection of the proxy's own hop, nothing else.
  for (const name of HOP_BY_HOP) if (!(websocket && name === 'upgrade')) expect(r.headers.has(name), `${label}: hop-by-hop ${name} forwarded`).toBe(false);
  // the proxy's own hop: never the client's Connection tokens
  expect(websocket ? ['Upgrade'] : ['keep-alive', 'close', undefined], `${label}: connection`).toContain(one(r, 'connection'));
  const te = one(r, 'transfer-encoding');
  if (te !== undefined) expect(te, `${label}: transfer-encoding`).toBe('chunked');
  // client claims replaced (no --trusted-proxies)
  expect(r.headers.get('x-forwarded-for'), `${label}: x-forwarded-for`).toEqual(['127.0.0.1']);
  expect(r.headers.get('x-forwarded-proto'), `${label}: x-forwarded-proto`).toEqual(['http']);
  for (const name of ['forwarded', 'x-real-ip']) expect(r.headers.has(name), `${label}: ${name} forwarded`).toBe(false);
  for (const name of r.headers.keys()) expect(name.startsWith('$ws'), `${label}: connector header ${name} forwarded`).toBe(false);
  expect(r.headers.get('via'), `${label}: via`).toEqual(['1.1 passthru']);
  expect(r.trailers.size, `${label}: trailers forwarded`).toBe(0);
}

function expectRequests(received: Received[], wanted: ExpectedRequest[]): void {
  expect(
    received.map((r) => `${r.method} ${r.target}`),
    'the requests the server received, each exactly once',
  ).toEqual(wanted.map((w) => `${w.method} ${w.target}`));
  wanted.forEach((w, i) => {
    const r = received[i]!;
    const label = `${w.method} ${w.target}`;
    expect(r.body, `${label}: body`).toBe(w.body ?? '');
    for (const [name, value] of Object.entries(w.headers ?? {})) expect(one(r, name), `${label}: ${name}`).toBe(value ?? undefined);
    expectClean(r, label, w.headers?.['upgrade'] === 'websocket');
  });
}

// ------------------------------------------------------------------ the run

const crashes: unknown[] = [];
const onCrash = (err: unknown): void => {
  crashes.push(err);
};
let plane: TestPlane;

beforeAll(async () => {
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  plane = await startPlane();
});

afterAll(async () => {
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  await plane?.close();
});

/** A fresh recording server per case, behind the one data plane every case goes through. */
async function withServer(run: (upstream: RecordingServer) => Promise<void>): Promise<void> {
  const upstream = new RecordingServer();
  await upstream.start();
  plane.apply([target('ns/app', ['/'], [{ port: upstream.port }])]);
  try {
    await run(upstream);
  } finally {
    await upstream.close();
  }
}

async function play(c: HostileCase, upstream: RecordingServer): Promise<void> {
  const steps = typeof c.send === 'string' ? [c.send] : c.send;
  const e = c.expect;
  // Every case is expected to end in a close; the idle fallback only matters when it fails to.
  const talk = await converse(plane.port, steps, 1_500);

  // Let the proxy finish with the server: a request the client abandoned must not stay open there.
  const deadline = performance.now() + 2_000;
  while (!upstream.idle() && performance.now() < deadline) await sleep(10);
  await sleep(20);
  const idle = upstream.idle();
  const tail = JSON.stringify(talk.text.slice(0, 400));

  // The requests the server must have seen complete, in order; with `mayRefuseBefore` only those
  // the client got an answer for (every answer belongs to a forwarded request and the other way round).
  let wanted: ExpectedRequest[];
  if (e.outcome === 'forwarded') wanted = e.requests;
  else if (e.outcome === 'rejected' && e.mayRefuseBefore) {
    const before = e.before ?? [];
    let answered = 0;
    while (answered < before.length && talk.statuses[answered] === 200) answered++;
    wanted = before.slice(0, answered);
  } else wanted = e.before ?? [];

  // The corpus-wide figure: did the server see other request boundaries than the client sent?
  const seen = upstream.requests.map((r) => `${r.method} ${r.target} (${r.body.length} body bytes)`);
  const want = wanted.map((w) => `${w.method} ${w.target} (${(w.body ?? '').length} body bytes)`);
  // A refused request that reached the server whole is a leak, not a desync: one extra request
  // after the expected ones, and nothing else wrong.
  const leaked = e.outcome === 'rejected' && seen.length === want.length + 1 && seen.slice(0, -1).join('|') === want.join('|');
  const report = `${c.name}: server saw ${JSON.stringify(seen)}${idle ? '' : ' and was left holding a partial request'}`;
  if (upstream.ambiguous.length > 0 || !idle || (seen.join('|') !== want.join('|') && !leaked)) {
    desyncs.push(`${report}; ambiguous: ${JSON.stringify(upstream.ambiguous)}`);
  } else if (leaked) leaks.push(report);

  expect(upstream.ambiguous, 'framing the server cannot read unambiguously').toEqual([]);
  expectRequests(upstream.requests, wanted);
  expect(idle, 'the server is left holding the start of a request the proxy abandoned').toBe(true);

  switch (e.outcome) {
    case 'rejected': {
      const allowed = typeof e.status === 'number' ? [e.status] : e.status;
      // Pipelined good requests are answered first, in order (RFC 9112 9.3.2): an error written
      // ahead of them would be read as their answer. After them, the error response itself may
      // be skipped as long as the connection closes.
      expect(talk.statuses.slice(0, wanted.length), `answers to the good requests first; the proxy said ${tail}`).toEqual(wanted.map(() => 200));
      const rest = talk.statuses.slice(wanted.length);
      if (wanted.length === 0 || rest.length > 0) {
        expect(rest.length, `one error response; the proxy said ${tail}`).toBe(1);
        expect(allowed, `error status; the proxy said ${tail}`).toContain(rest[0]);
      }
      expect(talk.closed, `the connection must close after a rejection; the proxy said ${tail}`).toBe(true);
      if ((e.upstream ?? 'nothing') === 'nothing') {
        expect(upstream.abandoned, 'partial requests sent to the server').toEqual([]);
        if (wanted.length === 0) expect(upstream.bytes, 'bytes sent to the server').toBe(0);
      }
      break;
    }
    case 'forwarded': {
      expect(talk.statuses, `statuses; the proxy said ${tail}`).toEqual(e.statuses ?? e.requests.map(() => 200));
      expect(talk.closed, `the proxy should close after Connection: close / HTTP/1.0; it said ${tail}`).toBe(!e.keepsOpen);
      expect(upstream.abandoned, 'partial requests sent to the server').toEqual([]);
      break;
    }
    case 'aborted': {
      // Whatever the client got after its good requests, the server never saw the cut one complete.
      expect(talk.statuses.slice(0, wanted.length), `statuses; the proxy said ${tail}`).toEqual(wanted.map(() => 200));
      if (e.partial) expect(upstream.abandoned.length, 'the start of the cut request reached the server, then the proxy closed').toBe(1);
      break;
    }
  }
  expect(crashes, 'uncaught exceptions / unhandled rejections').toEqual([]);
}

describe('hostile request corpus', () => {
  it('has at least 60 cases with unique names', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(60);
    expect(new Set(CORPUS.map((c) => c.name)).size).toBe(CORPUS.length);
  });

  it.each(CORPUS.map((c) => [`${c.category}: ${c.name} -> ${c.expect.outcome}`, c] as const))('%s', async (_name, c) => {
    await withServer((upstream) => play(c, upstream));
  });

  it('leaves the proxy serving, with no ambiguous framing forwarded and no crash', async () => {
    await withServer(async (upstream) => {
      const answer = await rawRequest(plane.port, `GET /after HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n`);
      expect(answer.status).toBe(200);
      expect(answer.closed).toBe(true);
      expect(upstream.requests.map((r) => r.target)).toEqual(['/after']);
    });
    expect(allAmbiguous, 'requests forwarded with ambiguous framing, over the whole corpus').toEqual([]);
    expect(desyncs, 'cases where the server saw other request boundaries than the client sent').toEqual([]);
    expect(leaks, 'requests that must be refused but reached the server').toEqual([]);
    expect(crashes).toEqual([]);
    const categories: Category[] = ['framing', 'chunked', 'request-line', 'headers', 'pipelining', 'slow'];
    for (const category of categories) expect(CORPUS.some((c) => c.category === category), category).toBe(true);
  });
});
