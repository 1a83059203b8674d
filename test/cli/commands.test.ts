import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, manifest, runNode, runToEnd, startServe, type Running } from '../helpers/cli.ts';
import { request } from '../helpers/plane.ts';
import { startUpstream } from '../helpers/upstream.ts';

let dir = '';
const procs: Running[] = [];
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.stop()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('passthru validate', () => {
  it('exits 0 for good manifests', async () => {
    const result = await runToEnd([CLI, 'validate', 'examples']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ok/);
  });

  it('exits 1 with file:line: field.path: message lines for bad ones', async () => {
    dir = await mkdtemp(join(tmpdir(), 'passthru-'));
    const bad = join(dir, 'bad.yaml');
    await writeFile(
      bad,
      `${manifest('good', ['/good'], [{ port: 80 }])}---
apiVersion: passthru.dev/v1alpha1
kind: ReverseProxyTarget
metadata: {name: bad}
spec:
  contextRoots: [app]
  servers:
    - {host: a.svc, port: 8080, weight: 0}
`,
    );
    const result = await runToEnd([CLI, 'validate', bad]);
    expect(result.code).toBe(1);
    expect(result.stdout.trim().split('\n')).toEqual([
      `${bad}:15: spec.contextRoots[0]: must start with "/", like "/app", got "app"`,
      `${bad}:17: spec.servers[0].weight: must be an integer from 1 to 100, got 0`,
    ]);
  });

  it('exits 1 for a path that does not exist', async () => {
    const result = await runToEnd([CLI, 'validate', 'no/such/place.yaml']);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain('no/such/place.yaml: no such file or directory');
  });
});

describe('passthru serve flags', () => {
  it('refuses an unknown flag with exit 2 and says which', async () => {
    const result = await runToEnd([CLI, 'serve', '--config', 'examples', '--lisen', ':1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--lisen/);
  });

  it('refuses a malformed --listen with exit 2', async () => {
    const result = await runToEnd([CLI, 'serve', '--config', 'examples', '--listen', 'localhost']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--listen: expected HOST:PORT');
  });

  it('exits 1 with a clear message when --config does not exist', async () => {
    const result = await runToEnd([CLI, 'serve', '--config', 'no/such/dir', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no/such/dir');
  });

  it('reads every flag from PASSTHRU_<FLAG> when not given', async () => {
    const up = await startUpstream('env');
    dir = await mkdtemp(join(tmpdir(), 'passthru-'));
    await writeFile(join(dir, 'app.yaml'), manifest('app', ['/'], [{ port: up.port }]));
    const p = await runNode([CLI, 'serve'], {
      PASSTHRU_CONFIG: dir,
      PASSTHRU_LISTEN: '127.0.0.1:0',
      PASSTHRU_ADMIN: '127.0.0.1:0',
      PASSTHRU_ACCESS_LOG: 'true',
      PASSTHRU_VIA_NAME: 'edge-1',
    });
    procs.push(p);
    const listening = await p.waitForLog((l) => l.msg === 'listening');
    await p.waitForLog((l) => l.msg === 'configuration applied');
    await request((listening['traffic'] as { port: number }).port, { path: '/hello' });
    await p.waitForLog((l) => l['log'] === 'access' && l['path'] === '/hello');
    expect(up.seen[0]?.headers.via).toBe('1.1 edge-1');
    await up.close();
  });
});

describe('npm start', () => {
  it('runs the demo: passthru on examples/ with two servers, answering /exampleapp/', async () => {
    const p = await runNode(['examples/demo.ts', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0']);
    procs.push(p);
    const listening = await p.waitForLog((l) => l.msg === 'listening');
    await p.waitForLog((l) => l.msg === 'configuration applied');
    const port = (listening['traffic'] as { port: number }).port;
    const served: string[] = [];
    for (let i = 0; i < 4; i++) served.push((await request(port, { path: '/exampleapp/' })).body.split('\n')[0]!);
    // weights 3:1, smooth: srv1 srv1 srv2 srv1
    expect(served).toEqual(['served by srv1', 'served by srv1', 'served by srv2', 'served by srv1']);
    expect((await request(port, { path: '/' })).body).toMatch(/^served by srv2/);
    expect(await p.stop()).toBe(0);
  });
});

describe('a running serve', () => {
  it('is not ready before its first configuration and ready after', async () => {
    const up = await startUpstream('a');
    dir = await mkdtemp(join(tmpdir(), 'passthru-'));
    await writeFile(join(dir, 'app.yaml'), manifest('app', ['/'], [{ port: up.port }]));
    const p = await startServe(dir);
    procs.push(p);
    expect((await fetch(`http://127.0.0.1:${p.adminPort}/readyz`)).status).toBe(200);
    await up.close();
  });
});
