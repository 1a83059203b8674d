import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { manifest, startServe, type LogLine, type Running } from '../helpers/cli.ts';
import { request } from '../helpers/plane.ts';
import { startHoldingUpstream, startUpstream, type TestUpstream } from '../helpers/upstream.ts';

let dir = '';
let proc: Running | undefined;
const ups: TestUpstream[] = [];
afterEach(async () => {
  await proc?.stop();
  await Promise.all(ups.splice(0).map((u) => u.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const applied = (l: LogLine): boolean => l.msg === 'configuration applied';
const rejected = (l: LogLine): boolean => l.msg === 'configuration file rejected';

/** Runs `change`, then waits for the next log line that `match` accepts. */
async function after(p: Running, match: (l: LogLine) => boolean, change: () => Promise<void>): Promise<LogLine> {
  const before = p.logs.filter(match).length;
  await change();
  return p.waitForLog((l) => match(l) && p.logs.filter(match).length > before);
}

describe('live reload from files', () => {
  it('applies added, changed and deleted files, and keeps the last good version of a broken one', async () => {
    const a = await startUpstream('A');
    const b = await startUpstream('B');
    ups.push(a, b);
    dir = await mkdtemp(join(tmpdir(), 'passthru-'));
    await writeFile(join(dir, 'one.yaml'), manifest('one', ['/one'], [{ port: a.port }]));
    proc = await startServe(dir);
    const p = proc;
    const body = async (path: string): Promise<string> => {
      const r = await request(p.port, { path });
      return `${r.status} ${r.status === 200 ? r.body : ''}`.trim();
    };
    expect(await body('/one')).toBe('200 A');
    expect(await body('/two')).toBe('404');

    await after(p, applied, () => writeFile(join(dir, 'two.yaml'), manifest('two', ['/two'], [{ port: b.port }])));
    expect(await body('/two')).toBe('200 B');

    await after(p, applied, () => writeFile(join(dir, 'one.yaml'), manifest('one', ['/one'], [{ port: b.port }])));
    expect(await body('/one')).toBe('200 B');

    // A broken edit is reported with file:line and field path, and the last good version serves on.
    const broken = manifest('one', ['/one'], [{ port: a.port, weight: 500 }]);
    const report = await after(p, rejected, () => writeFile(join(dir, 'one.yaml'), broken));
    expect(report['problems']).toEqual([expect.stringMatching(/one\.yaml:\d+: spec\.servers\[0\]\.weight: .*100/)]);
    expect(await body('/one')).toBe('200 B');

    // ...while every other file still changes normally.
    await after(p, applied, () => writeFile(join(dir, 'two.yaml'), manifest('two', ['/two', '/deux'], [{ port: b.port }])));
    expect(await body('/deux')).toBe('200 B');
    expect(await body('/one')).toBe('200 B');

    await after(p, applied, () => unlink(join(dir, 'two.yaml')));
    expect(await body('/two')).toBe('404');
    expect(await body('/one')).toBe('200 B');

    const metrics = await (await fetch(`http://127.0.0.1:${p.adminPort}/metrics`)).text();
    expect(metrics).toMatch(/passthru_config_reloads_total\{result="failure"\} 1\b/);
    expect(metrics).toMatch(/passthru_config_reloads_total\{result="success"\} 5\b/);
    expect(p.logs.filter(rejected)).toHaveLength(1);
  });

  it('does not drop a request in flight while the configuration changes', async () => {
    const { up: slow, arrived, release } = await startHoldingUpstream('slow', '/app');
    const other = await startUpstream('other');
    ups.push(slow, other);
    dir = await mkdtemp(join(tmpdir(), 'passthru-'));
    await writeFile(join(dir, 'app.yaml'), manifest('app', ['/app'], [{ port: slow.port }]));
    proc = await startServe(dir);
    const p = proc;

    const inFlight = request(p.port, { path: '/app' });
    await arrived;
    // The server the request is on leaves the configuration entirely.
    await after(p, applied, () => writeFile(join(dir, 'app.yaml'), manifest('app', ['/app'], [{ port: other.port }])));
    release('finished');
    expect(await inFlight).toMatchObject({ status: 200, body: 'finished' });
    expect((await request(p.port, { path: '/app' })).body).toBe('other');
  });

  it('rejects a conflicting target and names the winner, serving the other', async () => {
    const a = await startUpstream('A');
    const b = await startUpstream('B');
    ups.push(a, b);
    dir = await mkdtemp(join(tmpdir(), 'passthru-'));
    await writeFile(join(dir, 'a.yaml'), manifest('alpha', ['/shared'], [{ port: a.port }]));
    await writeFile(join(dir, 'b.yaml'), manifest('beta', ['/shared', '/beta'], [{ port: b.port }]));
    proc = await startServe(dir);
    const warning = await proc.waitForLog((l) => l.msg?.startsWith('target rejected') === true);
    expect(warning).toMatchObject({ target: 'test/beta', reason: 'Conflict' });
    expect(warning.msg).toContain('test/alpha');
    expect((await request(proc.port, { path: '/shared' })).body).toBe('A');
    expect((await request(proc.port, { path: '/beta' })).status).toBe(404);
  });
});
