import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { manifest, startServe, type Running } from '../helpers/cli.ts';
import { request } from '../helpers/plane.ts';
import { startHoldingUpstream, startUpstream, type TestUpstream } from '../helpers/upstream.ts';

let dir = '';
let proc: Running | undefined;
let up: TestUpstream | undefined;
afterEach(async () => {
  await proc?.stop();
  await up?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('SIGTERM', () => {
  it('goes unready, stops accepting, lets the request in flight finish, then exits 0', async () => {
    const slow = await startHoldingUpstream('slow');
    up = slow.up;
    dir = await mkdtemp(join(tmpdir(), 'passthru-'));
    await writeFile(join(dir, 'app.yaml'), manifest('app', ['/'], [{ port: up.port }]));
    proc = await startServe(dir, ['--drain-timeout', '30s']);
    const p = proc;

    const inFlight = request(p.port, { path: '/slow' });
    await slow.arrived;
    p.child.kill('SIGTERM');
    await p.waitForLog((l) => l.msg === 'draining');

    const ready = await fetch(`http://127.0.0.1:${p.adminPort}/readyz`);
    expect(ready.status).toBe(503);
    await expect(request(p.port, { path: '/fast' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    slow.release();
    const answer = await inFlight;
    expect(answer).toMatchObject({ status: 200, body: 'slow done' });
    expect(answer.headers.connection).toBe('close');
    expect(await p.exited).toBe(0);
  });

  it('closes idle keep-alive connections politely (FIN, not reset)', async () => {
    up = await startUpstream('a');
    dir = await mkdtemp(join(tmpdir(), 'passthru-'));
    await writeFile(join(dir, 'app.yaml'), manifest('app', ['/'], [{ port: up.port }]));
    proc = await startServe(dir);
    const p = proc;

    const socket = net.connect(p.port, '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    await once(socket, 'data');
    let reset = false;
    socket.on('error', () => (reset = true));
    p.child.kill('SIGTERM');
    await once(socket, 'end');
    expect(reset).toBe(false);
    socket.destroy();
    expect(await p.exited).toBe(0);
  });

  it('cuts requests that outlive the drain timeout and still exits 0', async () => {
    const slow = await startHoldingUpstream('slow');
    up = slow.up;
    dir = await mkdtemp(join(tmpdir(), 'passthru-'));
    await writeFile(join(dir, 'app.yaml'), manifest('app', ['/'], [{ port: up.port }]));
    proc = await startServe(dir, ['--drain-timeout', '300ms']);
    const p = proc;
    const inFlight = request(p.port, { path: '/slow' }).catch((err: Error) => err);
    await slow.arrived;
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(await inFlight).toBeInstanceOf(Error);
    slow.release();
  });
});
