import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runValidate } from '../../src/file/validate-command.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'passthru-validate-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function validate(paths: string[]): Promise<{ code: number; lines: string[] }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  const code = await runValidate(paths, out);
  return { code, lines: text.split('\n').filter((l) => l !== '') };
}

const GOOD = `apiVersion: passthru.dev/v1alpha1
kind: ReverseProxyTarget
metadata: {name: good, namespace: apps}
spec:
  contextRoots: [/good]
  servers: [{host: good-0}]
---
apiVersion: v1
kind: Secret
metadata: {name: tls, namespace: apps}
type: kubernetes.io/tls
stringData: {tls.crt: x, tls.key: y}
`;

describe('passthru validate', () => {
  it('exits 0 on a good folder and says so on one line', async () => {
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'good.yaml'), GOOD);
    await writeFile(join(dir, 'sub', 'other.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }));
    expect(await validate([dir])).toEqual({ code: 0, lines: ['2 files, 2 objects: ok'] });
  });

  it('prints file:line: field.path: message for each problem and exits 1', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(
      bad,
      [
        'apiVersion: passthru.dev/v1alpha1',
        'kind: ReverseProxyTarget',
        'metadata:',
        '  name: Bad_Name',
        'spec:',
        '  contextRoots: [/app/, /app]',
        '  servers:',
        '    - host: a',
        '      wieght: 2',
        '  healthCheck: {interval: 5 seconds}',
        '---',
        'apiVersion: v1',
        'kind: Secret',
        'metadata: {name: s}',
        'data: {key: "not base64"}',
      ].join('\n'),
    );
    await writeFile(join(dir, 'syntax.yml'), 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n name: b\n');
    const { code, lines } = await validate([dir]);
    expect(code).toBe(1);
    expect(lines).toEqual([
      `${bad}:4: metadata.name: must be a lower-case DNS name (letters, digits, "-" and ".", at most 253 characters, like "my-app"), got "Bad_Name"`,
      `${bad}:6: spec.contextRoots[1]: duplicate context root "/app", already listed at spec.contextRoots[0]`,
      `${bad}:9: spec.servers[0].wieght: unknown field "wieght", did you mean "weight"?`,
      `${bad}:10: spec.healthCheck.interval: must be a duration like "5s" or "1m30s", got "5 seconds"`,
      `${bad}:15: data.key: must be base64 (standard alphabet, padded); put plain text under stringData`,
      expect.stringMatching(new RegExp(`^${join(dir, 'syntax.yml').replace(/[.]/g, '\\.')}:5: [A-Z]`)),
    ]);
  });

  it('reports an object defined in two files of one folder', async () => {
    await writeFile(join(dir, 'a.yaml'), GOOD);
    await writeFile(join(dir, 'b.yaml'), GOOD.split('---')[0] as string);
    const { code, lines } = await validate([dir]);
    expect(code).toBe(1);
    expect(lines).toEqual([
      `${join(dir, 'b.yaml')}:3: metadata.name: duplicate ReverseProxyTarget apps/good, already defined in ${join(dir, 'a.yaml')}:3`,
    ]);
  });

  it('names a missing path as given, relative paths staying relative', async () => {
    const rel = relative(process.cwd(), join(dir, 'missing.yaml'));
    await writeFile(join(dir, 'good.yaml'), GOOD);
    expect(await validate([rel, join(dir, 'good.yaml')])).toEqual({
      code: 1,
      lines: [`${rel}: no such file or directory`],
    });
  });

  it('keeps relative paths relative in problem lines', async () => {
    await writeFile(join(dir, 'x.yaml'), 'apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ntype: 5\n');
    const rel = relative(process.cwd(), dir);
    expect(await validate([rel])).toEqual({ code: 1, lines: [`${join(rel, 'x.yaml')}:4: type: must be a string, got 5`] });
  });

  it('accepts an empty folder', async () => {
    expect(await validate([dir])).toEqual({ code: 0, lines: ['0 files, 0 objects: ok'] });
  });
});
