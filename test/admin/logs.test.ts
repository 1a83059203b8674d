import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, runNode, type Running } from '../helpers/cli.ts';
import { request } from '../helpers/plane.ts';
import { freePort, startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import { adminRequest } from './admin-server.ts';

let dir = '';
let proc: Running | undefined;
const ups: TestUpstream[] = [];
afterEach(async () => {
  await proc?.stop();
  await Promise.all(ups.splice(0).map((u) => u.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const unique = (prefix: string): string => `${prefix}${randomBytes(8).toString('hex')}`;

/** Every way a value could leak: as is, base64 (a Secret's `data`), and %-encoded. */
const forms = (value: string): string[] => [value, Buffer.from(value).toString('base64'), encodeURIComponent(value)];

describe('logs never carry secrets', () => {
  it('keeps Authorization, cookies, the connector secret and the admin token out of every log line, at debug with access logs on', async () => {
    const bearer = unique('s3cr3t-');
    const cookie = unique('cookie-value-');
    const connectorSecret = unique('connector-secret-');
    const adminToken = unique('admin-token-');
    const wrongToken = unique('wrong-admin-token-');
    const querySecret = unique('query-secret-');

    const up = await startUpstream('r1');
    ups.push(up);
    const dead = await freePort();
    dir = await mkdtemp(join(tmpdir(), 'passthru-logs-'));
    await writeFile(join(dir, 'token'), `${adminToken}\n`);
    await writeFile(
      join(dir, 'ws.yaml'),
      `apiVersion: v1
kind: Secret
metadata: {name: wsheaders, namespace: test}
stringData: {secret: ${connectorSecret}}
---
apiVersion: passthru.dev/v1alpha1
kind: ReverseProxyTarget
metadata: {name: ws, namespace: test}
spec:
  contextRoots: [/ws]
  servers:
    - {host: 127.0.0.1, port: ${up.port}, route: r1}
    - {host: 127.0.0.1, port: ${dead}, route: dead}
  stickySession: {cookie: JSESSIONID}
  headers:
    connector: websphere
    connectorSecretRef: {name: wsheaders, key: secret}
`,
    );

    // Started by hand rather than with startServe so that every byte of stdout is kept, JSON or not.
    const args = [CLI, 'serve', '--config', dir, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--access-log', '--log-level', 'debug', '--admin-token-file', join(dir, 'token')];
    proc = await runNode(args);
    let stdout = '';
    proc.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const listening = await proc.waitForLog((l) => l.msg === 'listening', 'listening');
    await proc.waitForLog((l) => l.msg === 'configuration applied', 'first configuration');
    const port = (listening['traffic'] as { port: number }).port;
    const adminPort = (listening['admin'] as { port: number }).port;

    const headers = { authorization: `Bearer ${bearer}`, cookie: `JSESSIONID=${cookie}.r1; other=${cookie}`, 'x-session': cookie };
    expect((await request(port, { path: `/ws/a?token=${querySecret}`, headers })).status).toBe(200);
    expect((await request(port, { path: '/ws/b', method: 'POST', headers, body: 'x=1' })).status).toBe(200);
    // Pinned to a dead server: connect failures are logged, the session fails over.
    expect((await request(port, { path: '/ws/c', headers: { ...headers, cookie: `JSESSIONID=${cookie}.dead` } })).status).toBe(200);
    expect((await request(port, { path: `/nowhere?jsessionid=${querySecret}`, headers })).status).toBe(404);
    expect((await request(port, { path: `/ws/a;jsessionid=${cookie}.r1`, headers })).status).toBe(200);
    expect(up.seen.length).toBe(4);

    const drain = '/api/targets/test/ws/servers/r1/drain';
    expect((await adminRequest(adminPort, drain, { headers: { authorization: `Bearer ${wrongToken}` } })).status).toBe(401);
    expect((await adminRequest(adminPort, drain, { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(200);
    const status = await (await fetch(`http://127.0.0.1:${adminPort}/api/targets`)).text();
    const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    expect(await proc.stop()).toBe(0);

    // The log did record this traffic: the check below is not vacuous.
    const access = proc.logs.filter((l) => l['log'] === 'access');
    expect(access).toHaveLength(5);
    expect(access[0]).toMatchObject({ target: 'test/ws', server: 'r1', method: 'GET', path: '/ws/a', status: 200 });
    expect(proc.logs.some((l) => l.msg === 'upstream connect-failed')).toBe(true);
    expect(proc.logs.some((l) => l.msg === 'server override set')).toBe(true);
    expect(proc.logs.some((l) => l.msg === 'admin write refused')).toBe(true);

    const everything = { stdout, stderr: proc.stderr(), status, metrics };
    for (const [where, text] of Object.entries(everything)) {
      for (const secret of [bearer, cookie, connectorSecret, adminToken, wrongToken, querySecret]) {
        for (const form of forms(secret)) expect(text, `${where} must not contain ${secret}`).not.toContain(form);
      }
    }
  });
});
