// The CRD in a real kube-apiserver, held against `passthru validate`: the shared fixtures
// (test/fixtures/manifests) must get the same verdict from both, with the message each
// fixture names; the API server fills validateTarget's defaults; `kubectl get rpt` shows
// the printer columns. No controller runs here: the tests write status themselves.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { CRD_NAME } from '../../src/api/crd-schema.ts';
import { validateTarget } from '../../src/api/validate.ts';
import { runValidate } from '../../src/file/validate-command.ts';
import { run } from '../envtest/exec.ts';
import type { RunResult } from '../envtest/exec.ts';
import { agreementCorpus, KNOWN_DIFFERENCES } from '../fixtures/manifests/agreement-corpus.ts';

const root = join(import.meta.dirname, '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'manifests');

let cacheDir: string;
function kubectl(args: string[], input?: string): Promise<RunResult> {
  const info = inject('envtest');
  // A private discovery cache: a shared one may predate the CRD and not know `rpt`.
  return run(info.kubectl, [`--kubeconfig=${inject('kubeconfig')}`, `--cache-dir=${cacheDir}`, ...args], { input });
}

async function newNamespace(prefix: string): Promise<string> {
  // No controller-manager runs, so deleted namespaces never finish; unique names instead.
  const ns = `${prefix}-${randomBytes(4).toString('hex')}`;
  const r = await kubectl(['create', 'namespace', ns]);
  expect(r.code, r.stderr).toBe(0);
  return ns;
}

async function validateFile(file: string): Promise<{ code: number; output: string }> {
  let output = '';
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      output += chunk.toString();
      done();
    },
  });
  const code = await runValidate([file], out);
  return { code, output };
}

interface Fixture {
  name: string;
  file: string;
  expect?: string;
  validate?: string;
}

async function loadFixtures(kind: 'valid' | 'invalid'): Promise<Fixture[]> {
  const dir = join(fixtures, kind);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  return Promise.all(
    files.map(async (f) => {
      const text = await readFile(join(dir, f), 'utf8');
      const comment = (key: string) => new RegExp(`^# ${key}: (.+)$`, 'm').exec(text)?.[1];
      return { name: basename(f, '.yaml'), file: join(dir, f), expect: comment('expect'), validate: comment('validate') };
    }),
  );
}

// Top-level await: it.each needs the lists when the file is collected.
const valid = await loadFixtures('valid');
const invalid = await loadFixtures('invalid');
let dryRunNs: string;

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'passthru-crd-kubectl-'));
  const applied = await kubectl(['apply', '-f', join(root, 'crds')]);
  expect(applied.code, applied.stderr).toBe(0);
  const waited = await kubectl(['wait', '--for', 'condition=established', '--timeout=60s', `crd/${CRD_NAME}`]);
  expect(waited.code, waited.stderr).toBe(0);
  dryRunNs = await newNamespace('crd-fixtures');
});

afterAll(async () => {
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
});

/** Field errors in kubectl's answer, without the "rules not checked" note that follows schema errors. */
function fieldErrors(stderr: string): string[] {
  const bullets = stderr.split('\n').filter((l) => l.startsWith('* ') && !l.includes('some validation rules were not checked'));
  return bullets.length > 0 ? bullets : [stderr.trim()];
}

describe('the shared fixtures', () => {
  it('number at least 10 valid and 25 invalid manifests, each invalid one naming both messages', () => {
    expect(valid.length).toBeGreaterThanOrEqual(10);
    expect(invalid.length).toBeGreaterThanOrEqual(25);
    for (const f of invalid) {
      expect(f.expect, `${f.name}: # expect:`).toBeTruthy();
      expect(f.validate, `${f.name}: # validate:`).toBeTruthy();
    }
  });
});

describe.concurrent('valid fixtures', () => {
  it.each(valid)('$name is accepted by the API server and by passthru validate', async (f) => {
    const [server, ours] = await Promise.all([
      kubectl(['apply', '--dry-run=server', '-n', dryRunNs, '-f', f.file]),
      validateFile(f.file),
    ]);
    expect(server.code, server.stderr).toBe(0);
    expect(server.stdout).toContain('created (server dry run)');
    expect(ours.code, ours.output).toBe(0);
  });
});

describe.concurrent('invalid fixtures', () => {
  it.each(invalid)('$name is rejected by both, each for the one stated reason', async (f) => {
    const [server, ours] = await Promise.all([
      kubectl(['apply', '--dry-run=server', '-n', dryRunNs, '-f', f.file]),
      validateFile(f.file),
    ]);
    expect(server.code, server.stdout).not.toBe(0);
    expect(server.stderr).toContain(f.expect);
    expect(fieldErrors(server.stderr), server.stderr).toHaveLength(1);
    expect(ours.code).toBe(1);
    expect(ours.output).toContain(f.validate);
    expect(ours.output.trim().split('\n'), ours.output).toHaveLength(1);
  });
});

describe('agreement beyond the fixtures', () => {
  it('gives each of ~400 one-field variations the same verdict in the API server and in validateTarget, but for the listed differences', async () => {
    const ns = dryRunNs;
    const corpus = agreementCorpus();
    // kubectl sends a List's items one by one; four Lists at once keep this to a second or two.
    const chunks = [0, 1, 2, 3].map((i) => corpus.filter((_, j) => j % 4 === i).map((c) => c.object));
    const results = await Promise.all(
      chunks.map((items) =>
        // --validate=false: kubectl would otherwise type-check a List itself and send nothing.
        // The corpus has no unknown fields, so Strict would change no verdict.
        kubectl(['apply', '--dry-run=server', '--validate=false', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items })),
      ),
    );
    const r = { stdout: results.map((x) => x.stdout).join(''), stderr: results.map((x) => x.stderr).join('') };
    const accepted = new Set([...r.stdout.matchAll(/reverseproxytarget\.passthru\.dev\/(\S+) created/g)].map((m) => m[1]));
    const rejected = new Set([...r.stderr.matchAll(/"(d-\d+)" is invalid/g)].map((m) => m[1]));
    const differences: string[] = [];
    for (const c of corpus) {
      const name = c.object.metadata.name;
      expect(accepted.has(name) !== rejected.has(name), `${name} (${c.label}) has no verdict:\n${r.stderr}`).toBe(true);
      const ours = validateTarget(c.object).errors.length === 0;
      if (ours !== accepted.has(name)) differences.push(`${c.label}: passthru ${ours ? 'accepts' : 'rejects'}`);
    }
    expect(accepted.size).toBeGreaterThan(100);
    expect(rejected.size).toBeGreaterThan(100);
    expect(differences.sort()).toEqual([...KNOWN_DIFFERENCES].sort());
  });
});

describe('defaults', () => {
  async function roundTrip(ns: string, object: Record<string, unknown>): Promise<Record<string, unknown>> {
    const applied = await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(object));
    expect(applied.code, applied.stderr).toBe(0);
    const name = (object.metadata as { name: string }).name;
    const got = await kubectl(['get', 'rpt', name, '-n', ns, '-o', 'json']);
    expect(got.code, got.stderr).toBe(0);
    return JSON.parse(got.stdout) as Record<string, unknown>;
  }

  it('are the ones validateTarget fills: the stored minimal target validates to the same spec', async () => {
    const ns = await newNamespace('crd-defaults');
    const raw = parse(await readFile(join(fixtures, 'valid', 'minimal.yaml'), 'utf8')) as Record<string, unknown>;
    const stored = await roundTrip(ns, raw);
    const spec = stored.spec as Record<string, unknown>;
    // The API server did fill them (so the comparison below is not vacuous)...
    expect(Object.keys(spec).sort()).toEqual(
      ['contextRoots', 'headers', 'loadBalancing', 'outlierDetection', 'protocol', 'retries', 'rewrite', 'servers', 'timeouts'],
    );
    expect(spec.timeouts).toEqual({ connect: '5s', response: '1m', idle: '5m' });
    // ...and, durations read as milliseconds, they are validateTarget's own.
    const ours = validateTarget(raw);
    const theirs = validateTarget(stored);
    expect(theirs.errors).toEqual([]);
    expect(theirs.target?.spec).toEqual(ours.target?.spec);
  });

  it('fill optional blocks once present, including int-or-string expectStatus', async () => {
    const ns = await newNamespace('crd-defaults');
    const raw = {
      apiVersion: 'passthru.dev/v1alpha1',
      kind: 'ReverseProxyTarget',
      metadata: { name: 'nested' },
      spec: {
        contextRoots: ['/nested'],
        protocol: 'https',
        servers: [{ host: 'a.svc' }, { host: 'b.svc', port: 8443 }],
        healthCheck: {},
        stickySession: { cookie: 'JSESSIONID' },
        headers: { request: {}, connector: 'websphere', connectorSecretRef: { name: 'ws', key: 'secret' } },
      },
    };
    const stored = await roundTrip(ns, raw);
    const spec = stored.spec as { healthCheck: Record<string, unknown>; stickySession: Record<string, unknown> };
    expect(spec.healthCheck).toEqual({
      path: '/',
      interval: '5s',
      timeout: '2s',
      healthyThreshold: 2,
      unhealthyThreshold: 3,
      expectStatus: '200-399',
    });
    expect(spec.stickySession).toEqual({ cookie: 'JSESSIONID', insert: false, noFailover: false });
    expect(validateTarget(stored).target?.spec).toEqual(validateTarget(raw).target?.spec);
  });
});

describe('kubectl get', () => {
  it('shows HOSTS, CONTEXT ROOTS, SERVERS, ACCEPTED and AGE, the last three from status', async () => {
    const ns = await newNamespace('crd-columns');
    const manifest = (name: string, spec: Record<string, unknown>) =>
      JSON.stringify({ apiVersion: 'passthru.dev/v1alpha1', kind: 'ReverseProxyTarget', metadata: { name }, spec });
    for (const m of [
      manifest('shop', { hosts: ['shop.example.com'], contextRoots: ['/shop', '/cart'], servers: [{ host: 'a.svc' }] }),
      manifest('fallback', { contextRoots: ['/'], service: { name: 'web', port: 'http' } }),
    ]) {
      const r = await kubectl(['apply', '-n', ns, '-f', '-'], m);
      expect(r.code, r.stderr).toBe(0);
    }
    const status = {
      status: {
        observedGeneration: 1,
        conditions: [
          {
            type: 'Accepted',
            status: 'True',
            reason: 'Valid',
            message: '',
            lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
            observedGeneration: 1,
          },
        ],
        servers: [{ host: 'a.svc', port: 80, route: 'r1', state: 'healthy', since: '2026-01-01T00:00:00Z' }],
        healthyServers: 1,
        serverSummary: '1/1',
      },
    };
    const patched = await kubectl(['patch', 'rpt', 'shop', '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify(status)]);
    expect(patched.code, patched.stderr).toBe(0);

    const got = await kubectl(['get', 'rpt', '-n', ns]);
    expect(got.code, got.stderr).toBe(0);
    const [header, ...rows] = got.stdout.trimEnd().split('\n');
    const columns = ['NAME', 'HOSTS', 'CONTEXT ROOTS', 'SERVERS', 'ACCEPTED', 'AGE'];
    const starts = columns.map((c) => header!.indexOf(c));
    expect(starts.every((s, i) => s >= 0 && (i === 0 || s > starts[i - 1]!)), header).toBe(true);
    const cells = (row: string) => starts.map((s, i) => row.slice(s, starts[i + 1]).trim());
    const table = Object.fromEntries(rows.map((row) => [cells(row)[0], cells(row)]));
    expect(table.shop?.slice(1, 5)).toEqual(['["shop.example.com"]', '["/shop","/cart"]', '1/1', 'True']);
    expect(table.shop?.[5]).toMatch(/^\d+s$/);
    // No hosts (= any host) and no status yet: empty cells.
    expect(table.fallback?.slice(1, 5)).toEqual(['', '["/"]', '', '']);
  });

  it('finds targets by the short name rpt and by the category passthru', async () => {
    const ns = await newNamespace('crd-names');
    const m = { apiVersion: 'passthru.dev/v1alpha1', kind: 'ReverseProxyTarget', metadata: { name: 'one' }, spec: { contextRoots: ['/'], servers: [{ host: 'a.svc' }] } };
    expect((await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(m))).code).toBe(0);
    for (const resource of ['rpt', 'passthru', 'reverseproxytargets.passthru.dev']) {
      const r = await kubectl(['get', resource, '-n', ns, '-o', 'name']);
      expect(r.stdout.trim(), `${resource}: ${r.stderr}`).toBe('reverseproxytarget.passthru.dev/one');
    }
  });
});

describe('status subresource', () => {
  it('refuses a server state outside healthy, unhealthy, ejected, draining and disabled', async () => {
    const ns = await newNamespace('crd-status');
    const m = { apiVersion: 'passthru.dev/v1alpha1', kind: 'ReverseProxyTarget', metadata: { name: 's' }, spec: { contextRoots: ['/'], servers: [{ host: 'a.svc' }] } };
    expect((await kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(m))).code).toBe(0);
    const bad = { status: { servers: [{ host: 'a.svc', state: 'sleeping' }] } };
    const r = await kubectl(['patch', 'rpt', 's', '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify(bad)]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Unsupported value: "sleeping"');
  });

  it('ignores status written through the main resource', async () => {
    const ns = await newNamespace('crd-status');
    const m = {
      apiVersion: 'passthru.dev/v1alpha1',
      kind: 'ReverseProxyTarget',
      metadata: { name: 's' },
      spec: { contextRoots: ['/'], servers: [{ host: 'a.svc' }] },
      status: { serverSummary: '9/9' },
    };
    expect((await kubectl(['create', '-n', ns, '-f', '-'], JSON.stringify(m))).code).toBe(0);
    const got = await kubectl(['get', 'rpt', 's', '-n', ns, '-o', 'jsonpath={.status}']);
    expect(got.stdout).toBe('');
  });
});
