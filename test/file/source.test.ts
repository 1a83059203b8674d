import { EventEmitter, once } from 'node:events';
import { mkdir, mkdtemp, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSource, listManifestFiles, type FileSnapshot } from '../../src/file/source.ts';
import type { ManifestProblem } from '../../src/file/manifests.ts';

// Generous: the promise is 'about a second'; a loaded CI machine must not turn this red.
const WAIT_MS = 5000;

interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

function target(name: string, root = `/${name}`, extra = ''): string {
  return [
    'apiVersion: passthru.dev/v1alpha1',
    'kind: ReverseProxyTarget',
    `metadata: {name: ${name}}`,
    'spec:',
    `  contextRoots: [${root}]`,
    '  servers:',
    `    - host: ${name}-0`,
    extra,
  ].join('\n');
}

function names(s: FileSnapshot): string[] {
  return s.targets.map((t) => `${t.metadata.name}${t.spec.contextRoots.join(',')}`);
}

let dir: string;
const sources: FileSource[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'passthru-source-'));
});

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

function harness(path: string) {
  const logs: LogLine[] = [];
  const events = new EventEmitter();
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) {
        if (line === '') continue;
        const entry = JSON.parse(line) as LogLine;
        logs.push(entry);
        events.emit('log', entry);
      }
      done();
    },
  });
  const source = new FileSource({
    path,
    logger: pino({ level: 'debug' }, stream),
    onChange: (s) => events.emit('change', s),
    onRejected: (p) => events.emit('rejected', p),
  });
  sources.push(source);
  return {
    source,
    logs,
    /** Subscribe before acting, so an early event is not missed. */
    nextChange: async () => ((await once(events, 'change', { signal: AbortSignal.timeout(WAIT_MS) })) as [FileSnapshot])[0],
    nextRejected: async () =>
      ((await once(events, 'rejected', { signal: AbortSignal.timeout(WAIT_MS) })) as [ManifestProblem[]])[0],
    nextLog: async (msg: string) => {
      const signal = AbortSignal.timeout(WAIT_MS);
      for (;;) {
        const [entry] = (await once(events, 'log', { signal })) as [LogLine];
        if (entry.msg === msg) return entry;
      }
    },
    rejectedLogs: () => logs.filter((l) => l.msg === 'configuration file rejected'),
    events,
  };
}

describe('FileSource', () => {
  it('loads a folder, then applies added, changed and deleted files', async () => {
    await writeFile(join(dir, 'a.yaml'), target('a'));
    const h = harness(dir);
    const first = await h.source.start();
    expect(names(first)).toEqual(['a/a']);
    expect(h.logs.find((l) => l.msg === 'configuration loaded')).toMatchObject({ targets: 1, secrets: 0, files: 1 });

    let next = h.nextChange();
    const t0 = Date.now();
    await writeFile(join(dir, 'b.yaml'), target('b'));
    expect(names(await next)).toEqual(['a/a', 'b/b']);
    expect(Date.now() - t0).toBeLessThan(1500);

    next = h.nextChange();
    await writeFile(join(dir, 'a.yaml'), target('a', '/a2'));
    expect(names(await next)).toEqual(['a/a2', 'b/b']);

    next = h.nextChange();
    await unlink(join(dir, 'b.yaml'));
    expect(names(await next)).toEqual(['a/a2']);
    expect(h.logs.filter((l) => l.msg === 'configuration loaded')).toHaveLength(4);
  });

  it('keeps the last good version of a broken file while other files still change', async () => {
    await writeFile(join(dir, 'a.yaml'), target('a'));
    await writeFile(join(dir, 'b.yaml'), target('b'));
    const h = harness(dir);
    await h.source.start();
    const broken = target('a', '/broken', '      weight: 150');

    const rejected = h.nextRejected();
    await writeFile(join(dir, 'a.yaml'), broken);
    const problems = await rejected;
    expect(problems.map((p) => [p.line, p.path])).toEqual([[8, 'spec.servers[0].weight']]);
    expect(h.rejectedLogs()).toEqual([
      expect.objectContaining({
        level: 50,
        file: join(dir, 'a.yaml'),
        problems: [`${join(dir, 'a.yaml')}:8: spec.servers[0].weight: must be an integer from 1 to 100, got 150`],
      }),
    ]);

    // The same broken content again, then a good change elsewhere: once that change is
    // through, the rewrite has been looked at too, and it must not have been logged again.
    await writeFile(join(dir, 'a.yaml'), broken);
    const next = h.nextChange();
    await writeFile(join(dir, 'b.yaml'), target('b', '/b2'));
    expect(names(await next)).toEqual(['a/a', 'b/b2']);
    expect(h.rejectedLogs()).toHaveLength(1);

    const fixed = h.nextChange();
    await writeFile(join(dir, 'a.yaml'), target('a', '/a3'));
    expect(names(await fixed)).toEqual(['a/a3', 'b/b2']);
  });

  it('serves nothing from a file that was broken from the start, and the rest normally', async () => {
    await writeFile(join(dir, 'a.yaml'), 'apiVersion: passthru.dev/v1alpha1\nkind: ReverseProxyTarget\nmetadata: {name: a}\n');
    await writeFile(join(dir, 'b.yaml'), target('b'));
    const h = harness(dir);
    const rejected = h.nextRejected();
    expect(names(await h.source.start())).toEqual(['b/b']);
    expect((await rejected)[0]?.message).toBe('is required');
    expect(h.rejectedLogs()).toHaveLength(1);
  });

  it('keeps an object defined in two files from the file that sorts first', async () => {
    await writeFile(join(dir, 'a.yaml'), target('x', '/from-a'));
    await writeFile(join(dir, 'b.yaml'), `${target('x', '/from-b')}\n---\n${target('y')}`);
    const h = harness(dir);
    const rejected = h.nextRejected();
    // b.yaml is rejected as a whole: it never had a good version, so y is not served either.
    expect(names(await h.source.start())).toEqual(['x/from-a']);
    const problems = await rejected;
    expect(problems).toEqual([
      {
        file: join(dir, 'b.yaml'),
        line: 3,
        path: 'metadata.name',
        message: `duplicate ReverseProxyTarget default/x, already defined in ${join(dir, 'a.yaml')}:3`,
      },
    ]);

    const next = h.nextChange();
    await unlink(join(dir, 'a.yaml'));
    expect(names(await next)).toEqual(['x/from-b', 'y/y']);
  });

  it('follows a single file replaced by rename, as editors do', async () => {
    const file = join(dir, 'passthru.yaml');
    await writeFile(file, target('a'));
    const h = harness(file);
    expect(names(await h.source.start())).toEqual(['a/a']);
    for (const root of ['/one', '/two']) {
      const next = h.nextChange();
      await writeFile(join(dir, '.passthru.yaml.swp'), target('a', root));
      await rename(join(dir, '.passthru.yaml.swp'), file);
      expect(names(await next)).toEqual([`a${root}`]);
    }
  });

  it('keeps serving while a single-file PATH is missing, and picks it up again', async () => {
    const file = join(dir, 'passthru.yaml');
    await writeFile(file, target('a'));
    const h = harness(file);
    await h.source.start();
    const changes: FileSnapshot[] = [];
    h.events.on('change', (s: FileSnapshot) => changes.push(s));

    const gone = h.nextLog('configuration path is gone; keeping the last configuration');
    await unlink(file);
    expect(await gone).toMatchObject({ level: 40, path: file });
    const next = h.nextChange();
    await writeFile(file, target('a', '/back'));
    expect(names(await next)).toEqual(['a/back']);
    expect(changes.map(names)).toEqual([['a/back']]);
  });

  it('follows a ConfigMap volume update (the ..data symlink swap)', async () => {
    // The layout the kubelet writes: visible symlinks into a timestamped hidden folder.
    await mkdir(join(dir, '..2025_01_01'));
    await writeFile(join(dir, '..2025_01_01', 'app.yaml'), target('app', '/v1'));
    await symlink('..2025_01_01', join(dir, '..data'));
    await symlink(join('..data', 'app.yaml'), join(dir, 'app.yaml'));
    const h = harness(dir);
    expect(names(await h.source.start())).toEqual(['app/v1']);

    const next = h.nextChange();
    await mkdir(join(dir, '..2025_01_02'));
    await writeFile(join(dir, '..2025_01_02', 'app.yaml'), target('app', '/v2'));
    await symlink('..2025_01_02', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await rm(join(dir, '..2025_01_01'), { recursive: true });
    expect(names(await next)).toEqual(['app/v2']);
  });

  it('serves Secrets and logs ignored kinds at debug', async () => {
    await writeFile(
      join(dir, 'all.yaml'),
      'apiVersion: v1\nkind: Secret\nmetadata: {name: tls}\nstringData: {tls.crt: x}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n',
    );
    const h = harness(dir);
    const snap = await h.source.start();
    expect(snap.secrets.map((s) => s.metadata.name)).toEqual(['tls']);
    expect(h.logs.find((l) => l.kind === 'ConfigMap')).toMatchObject({ level: 20, name: 'cm', line: 6 });
  });

  it('does not report a comment-only change or an identical rewrite', async () => {
    await writeFile(join(dir, 'a.yaml'), target('a'));
    await writeFile(join(dir, 'b.yaml'), target('b'));
    const h = harness(dir);
    await h.source.start();
    const changes: FileSnapshot[] = [];
    h.events.on('change', (s: FileSnapshot) => changes.push(s));

    const unchanged = h.nextLog('configuration files changed, served configuration did not');
    await writeFile(join(dir, 'a.yaml'), `# a comment\n${target('a')}`);
    await unchanged;
    expect(changes).toEqual([]);

    // An identical rewrite is not even parsed; a later change proves it has been seen.
    await writeFile(join(dir, 'a.yaml'), `# a comment\n${target('a')}`);
    const next = h.nextChange();
    await writeFile(join(dir, 'b.yaml'), target('b', '/b2'));
    await next;
    expect(changes.map(names)).toEqual([['a/a', 'b/b2']]);
  });

  it('starts empty on an empty folder and fails clearly on a missing path', async () => {
    expect(await harness(dir).source.start()).toEqual({ targets: [], secrets: [] });
    const missing = join(dir, 'nope');
    await expect(harness(missing).source.start()).rejects.toMatchObject({
      code: 'PASSTHRU_CONFIG_PATH',
      message: expect.stringContaining('does not exist'),
    });
  });

  it('stops watching and polling on close()', async () => {
    const resources = () =>
      process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap' || r === 'Timeout').length;
    const before = resources();
    await writeFile(join(dir, 'a.yaml'), target('a'));
    const h = harness(dir);
    await h.source.start();
    expect(resources()).toBeGreaterThan(before);
    await h.source.close();
    expect(resources()).toBe(before);

    let changed = false;
    h.events.on('change', () => (changed = true));
    await writeFile(join(dir, 'b.yaml'), target('b'));
    // Nothing can be awaited for an event that must not come: give the debounce time to (not) fire.
    await new Promise((r) => setTimeout(r, 500));
    expect(changed).toBe(false);
  });
});

describe('listManifestFiles', () => {
  it('lists YAML and JSON recursively and sorted, skipping hidden entries and following symlinks', async () => {
    await mkdir(join(dir, 'sub', 'deeper'), { recursive: true });
    await mkdir(join(dir, '.git'));
    await mkdir(join(dir, 'elsewhere'));
    for (const f of ['b.yaml', 'a.yml', 'c.json', 'README.md', '.hidden.yaml', 'sub/z.yaml', 'sub/deeper/y.YAML', '.git/x.yaml']) {
      await writeFile(join(dir, f), '');
    }
    await writeFile(join(dir, 'elsewhere', 'real.yaml'), '');
    await symlink(join(dir, 'elsewhere', 'real.yaml'), join(dir, 'sub', 'link.yaml'));
    await symlink(join(dir, 'missing.yaml'), join(dir, 'dangling.yaml'));
    await symlink(dir, join(dir, 'sub', 'loop'));
    const files = await listManifestFiles(dir);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual([
      'a.yml',
      'b.yaml',
      'c.json',
      'elsewhere/real.yaml',
      'sub/deeper/y.YAML',
      'sub/link.yaml',
      'sub/z.yaml',
    ]);
  });

  it('returns a single file as given, whatever its name', async () => {
    await writeFile(join(dir, 'config.txt'), '');
    expect(await listManifestFiles(join(dir, 'config.txt'))).toEqual([join(dir, 'config.txt')]);
  });
});
