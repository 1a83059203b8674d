import { describe, expect, it } from 'vitest';
import { formatProblem, parseManifestText } from '../../src/file/manifests.ts';

const lines = (text: string, file = 'f.yaml') => parseManifestText(text, file).problems.map(formatProblem);

// Line numbers in these fixtures matter: each document starts where its comment says.
const MULTI = `# line 1
apiVersion: passthru.dev/v1alpha1
kind: ReverseProxyTarget
metadata:
  name: good
spec:
  contextRoots: [/good]
  servers:
    - host: good-0
---
apiVersion: passthru.dev/v1alpha1
kind: ReverseProxyTarget
metadata:
  name: second
spec:
  contextRoots: [/second]
  servers:
    - host: a
    - host: b
      weight: 150
---
# third document, line 21
apiVersion: passthru.dev/v1alpha1
kind: ReverseProxyTarget
metadata:
  name: third
spec:
  servers:
    - host: c
  rewrite:
    cookieDomain:
      "c.svc": 5
`;

describe('parseManifestText', () => {
  it('reports errors in later documents at their own lines', () => {
    const r = parseManifestText(MULTI, 'apps.yaml');
    expect(r.targets.map((t) => t.metadata.name)).toEqual(['good']);
    expect(r.problems.map(formatProblem)).toEqual([
      'apps.yaml:20: spec.servers[1].weight: must be an integer from 1 to 100, got 150',
      // contextRoots is missing: the nearest existing ancestor, spec, carries the line.
      'apps.yaml:27: spec.contextRoots: is required',
      'apps.yaml:32: spec.rewrite.cookieDomain["c.svc"]: must be a string, got 5 (quote it in YAML)',
    ]);
  });

  it('points at the key line of a bad field inside flow collections', () => {
    const text = [
      'apiVersion: passthru.dev/v1alpha1',
      'kind: ReverseProxyTarget',
      'metadata: {name: a}',
      'spec:',
      '  contextRoots: [/a, b]',
      '  servers: [{host: x, port: 0}]',
    ].join('\n');
    expect(lines(text)).toEqual([
      'f.yaml:5: spec.contextRoots[1]: must start with "/", like "/app", got "b"',
      'f.yaml:6: spec.servers[0].port: must be an integer from 1 to 65535, got 0',
    ]);
  });

  it('reports a YAML syntax error with its line and no field path', () => {
    const text = ['apiVersion: v1', 'kind: Secret', 'metadata:', '  name: a', ' bad: indent', 'data: {}'].join('\n');
    const out = lines(text);
    expect(out.length).toBeGreaterThan(0);
    expect(out[0]).toMatch(/^f\.yaml:5: [A-Z]/);
  });

  it('keeps the documents around a broken one', () => {
    const text = [
      'apiVersion: v1',
      'kind: Secret',
      'metadata: {name: one}',
      '---',
      'key: [unclosed',
      '---',
      'apiVersion: v1',
      'kind: Secret',
      'metadata: {name: two}',
    ].join('\n');
    const r = parseManifestText(text, 'f.yaml');
    expect(r.secrets.map((s) => s.metadata.name)).toEqual(['one', 'two']);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]?.path).toBe('');
    expect(r.problems[0]?.line).toBeGreaterThanOrEqual(5);
    expect(r.problems[0]?.line).toBeLessThanOrEqual(6);
  });

  it('decodes Secrets with data and stringData', () => {
    const text = [
      'apiVersion: v1',
      'kind: Secret',
      'metadata: {name: ws, namespace: apps}',
      'type: Opaque',
      'data:',
      `  secret: ${Buffer.from('s3cr3t').toString('base64')}`,
      '  other: b2xk',
      'stringData:',
      '  other: new',
    ].join('\n');
    const r = parseManifestText(text, 'f.yaml');
    expect(r.problems).toEqual([]);
    expect(r.secrets).toHaveLength(1);
    expect(r.secrets[0]?.metadata).toEqual({ name: 'ws', namespace: 'apps' });
    expect(r.secrets[0]?.data.secret?.toString()).toBe('s3cr3t');
    expect(r.secrets[0]?.data.other?.toString()).toBe('new');
  });

  it('reports bad base64 at the key line', () => {
    const text = ['apiVersion: v1', 'kind: Secret', 'metadata: {name: ws}', 'data:', '  ok: aGk=', '  bad: "%%%"'].join('\n');
    expect(lines(text)).toEqual([
      'f.yaml:6: data.bad: must be base64 (standard alphabet, padded); put plain text under stringData',
    ]);
  });

  it('ignores other kinds and skips empty documents', () => {
    const text = [
      '---',
      '# only a comment',
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: settings}',
      '---',
      'apiVersion: networking.k8s.io/v1',
      'kind: Ingress',
      'metadata: {name: web}',
      '---',
    ].join('\n');
    const r = parseManifestText(text, 'f.yaml');
    expect(r.problems).toEqual([]);
    expect(r.ignored).toEqual([
      { kind: 'ConfigMap', name: 'settings', line: 4 },
      { kind: 'Ingress', name: 'web', line: 8 },
    ]);
  });

  it('expands a List and prefixes the item path', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - apiVersion: passthru.dev/v1alpha1',
      '    kind: ReverseProxyTarget',
      '    metadata: {name: a}',
      '    spec: {contextRoots: [/a], servers: [{host: a}]}',
      '  - apiVersion: passthru.dev/v1alpha1',
      '    kind: ReverseProxyTarget',
      '    metadata: {name: b}',
      '    spec:',
      '      contextRoots: [/b]',
      '      servers: [{host: b}]',
      '      protocol: ftp',
      '  - apiVersion: v1',
      '    kind: Secret',
      '    metadata: {name: s}',
    ].join('\n');
    const r = parseManifestText(text, 'list.yaml');
    expect(r.targets.map((t) => t.metadata.name)).toEqual(['a']);
    expect(r.secrets.map((s) => s.metadata.name)).toEqual(['s']);
    expect(r.problems.map(formatProblem)).toEqual([
      'list.yaml:14: items[1].spec.protocol: must be one of http, https, got "ftp"',
    ]);
  });

  it('reads JSON as well', () => {
    const json = JSON.stringify(
      { apiVersion: 'passthru.dev/v1alpha1', kind: 'ReverseProxyTarget', metadata: { name: 'j' }, spec: { contextRoots: ['/j'], servers: [{ host: 'j', weight: 0 }] } },
      null,
      2,
    );
    const out = lines(json, 'j.json');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^j\.json:\d+: spec\.servers\[0\]\.weight: must be an integer from 1 to 100, got 0$/);
    const weightLine = json.split('\n').findIndex((l) => l.includes('"weight"')) + 1;
    expect(out[0]).toContain(`j.json:${weightLine}:`);
  });

  it('requires apiVersion and kind', () => {
    expect(lines('metadata: {name: a}\n')).toEqual(['f.yaml:1: apiVersion: is required: every object needs apiVersion and kind']);
    expect(lines('apiVersion: v1\nmetadata: {name: a}\n')).toEqual(['f.yaml:1: kind: is required: every object needs apiVersion and kind']);
    expect(lines('- a\n- b\n')).toEqual(['f.yaml:1: must be an object with apiVersion and kind']);
  });

  it('validates a misspelt version of our own kind instead of ignoring it', () => {
    const text = 'apiVersion: passthru.dev/v1\nkind: ReverseProxyTarget\nmetadata: {name: a}\nspec: {contextRoots: [/a], servers: [{host: a}]}\n';
    expect(lines(text)).toEqual(['f.yaml:1: apiVersion: must be "passthru.dev/v1alpha1", got "passthru.dev/v1"']);
  });

  it('reports an object defined twice in one file', () => {
    const doc = (ns: string) =>
      `apiVersion: passthru.dev/v1alpha1\nkind: ReverseProxyTarget\nmetadata: {name: a, namespace: ${ns}}\nspec: {contextRoots: [/a], servers: [{host: a}]}\n`;
    const r = parseManifestText(`${doc('x')}---\n${doc('y')}---\n${doc('x')}`, 'f.yaml');
    expect(r.targets.map((t) => t.metadata.namespace)).toEqual(['x', 'y']);
    expect(r.problems.map(formatProblem)).toEqual([
      'f.yaml:13: metadata.name: duplicate ReverseProxyTarget x/a, already defined at line 3',
    ]);
  });
});
