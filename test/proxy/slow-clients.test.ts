import net from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { startPlane, target, type TestPlane } from '../helpers/plane.ts';

let plane: TestPlane | undefined;
afterEach(async () => plane?.close());

describe('slow clients', () => {
  it('closes a connection whose headers do not arrive within the header timeout (slowloris)', async () => {
    const headersTimeoutMs = 1_000;
    plane = await startPlane([target('ns/app', ['/'], [{ port: 1 }])], { limits: { headersTimeoutMs } });
    const socket = net.connect(plane.port, '127.0.0.1');
    await once(socket, 'connect');
    const started = performance.now();
    socket.write('GET / HTTP/1.1\r\nHost: a\r\nX-Slow: 1');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    await once(socket, 'close');
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    // Never before the timeout; the upper bound is the test's own timeout, so a slow
    // machine cannot fail this, but a connection left open would.
    expect(performance.now() - started).toBeGreaterThanOrEqual(headersTimeoutMs - 50);
  });
});
