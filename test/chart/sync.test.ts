// The chart is the one source: its CRDs are crds/, deploy/ is its default rendering, and the
// docs' values table is its values.yaml. Each check fails with the command that fixes it.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CHART,
  CHART_CRDS,
  CRDS,
  DEPLOY,
  INSTALL_DOC,
  ROOT,
  crdFileNames,
  deployFiles,
  expectedInstallDoc,
  valueRows,
} from '../../scripts/render-deploy.ts';
import { HELM_SETUP_TIMEOUT, helmPath } from './helm.ts';

const FIX = 'run `npm run render:deploy` (node scripts/render-deploy.ts)';

let bin: string;
beforeAll(async () => {
  bin = await helmPath();
}, HELM_SETUP_TIMEOUT);

describe('the chart stays in step with the rest of the repository', () => {
  it('ships byte-identical copies of every CRD in crds/, and no others', async () => {
    const top = await crdFileNames();
    expect(top.length).toBeGreaterThan(0);
    expect((await readdir(CHART_CRDS)).sort(), FIX).toEqual(top);
    for (const f of top) {
      const [a, b] = await Promise.all([readFile(join(CRDS, f)), readFile(join(CHART_CRDS, f))]);
      expect(b.equals(a), `charts/passthru/crds/${f} differs from crds/${f}: ${FIX}`).toBe(true);
    }
  });

  it('has deploy/ equal to the chart rendered with its default values', async () => {
    const expected = await deployFiles(bin);
    expect((await readdir(DEPLOY)).sort(), FIX).toEqual([...expected.keys()].sort());
    for (const [name, text] of expected) {
      expect(await readFile(join(DEPLOY, name), 'utf8'), `deploy/${name} is stale: ${FIX}`).toBe(text);
    }
  });

  it('names deploy/ files so kubectl applies the CRDs before anything else', async () => {
    const names = [...(await deployFiles(bin)).keys()].sort();
    expect(names[0]).toBe('00-crds.yaml');
    const crds = parse((await readFile(join(DEPLOY, '00-crds.yaml'), 'utf8')).split('\n---\n')[0]!) as { kind: string };
    expect(crds.kind).toBe('CustomResourceDefinition');
  });

  it('documents every key of values.yaml with a "# --" comment', async () => {
    const { rows, undocumented } = valueRows(await readFile(join(CHART, 'values.yaml'), 'utf8'));
    expect(undocumented).toEqual([]);
    expect(rows.map((r) => r.key)).toContain('watchNamespace');
  });

  it('has the values table in docs/install.md equal to values.yaml', async () => {
    expect(await readFile(INSTALL_DOC, 'utf8'), `docs/install.md's values table is stale: ${FIX}`).toBe(await expectedInstallDoc());
  });

  it('carries appVersion equal to package.json version', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const chart = parse(await readFile(join(CHART, 'Chart.yaml'), 'utf8')) as { apiVersion: string; appVersion: string };
    expect(chart.apiVersion).toBe('v2');
    expect(chart.appVersion).toBe(pkg.version);
  });
});

describe('valueRows', () => {
  it('reports a key without a comment', () => {
    const { undocumented } = valueRows('# -- documented\na: 1\nb: 2\n');
    expect(undocumented).toEqual(['values.yaml:3: b has no "# --" comment']);
  });

  it('treats a documented key with children as one row and a section without comment as a path', () => {
    const { rows, undocumented } = valueRows('# -- all of it\nres:\n  cpu: 1\nsec:\n  # -- inner\n  x: true\n');
    expect(undocumented).toEqual([]);
    expect(rows.map((r) => [r.key, r.default])).toEqual([
      ['res', { cpu: 1 }],
      ['sec.x', true],
    ]);
  });
});
