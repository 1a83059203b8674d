// `npm run render:deploy`: the chart is the one source of the install artefacts. It
//   1. copies the top-level crds/ (written by `npm run gen:crd`) into charts/passthru/crds/,
//   2. renders deploy/ (plain manifests for `kubectl apply -f deploy/`) with the chart's defaults,
//   3. regenerates the values table in docs/install.md from the `# --` comments in values.yaml.
// test/chart/ fails when any of the three differs from what this script would write now.
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { getBinaries } from '../test/envtest/binaries.ts';
import { runOk } from '../test/envtest/exec.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CHART = join(ROOT, 'charts', 'passthru');
export const CRDS = join(ROOT, 'crds');
export const CHART_CRDS = join(CHART, 'crds');
export const DEPLOY = join(ROOT, 'deploy');
export const INSTALL_DOC = join(ROOT, 'docs', 'install.md');

/** The release name and namespace of the plain manifests. */
export const DEPLOY_RELEASE = 'passthru';
export const DEPLOY_NAMESPACE = 'passthru';

const TABLE_START = '<!-- values-table:start (npm run render:deploy) -->';
const TABLE_END = '<!-- values-table:end -->';

export async function helmPath(): Promise<string> {
  const { helm } = await getBinaries({ helm: true });
  if (!helm) throw new Error('getBinaries({ helm: true }) returned no helm');
  return helm;
}

/** Helm keeps its caches and config out of $HOME, so tests and the script never touch the user's. */
export function helmEnv(): NodeJS.ProcessEnv {
  const home = join(tmpdir(), 'passthru-helm-home');
  return {
    ...process.env,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
}

export async function crdFileNames(): Promise<string[]> {
  return (await readdir(CRDS)).filter((f) => f.endsWith('.yaml')).sort();
}

/** Makes charts/passthru/crds/ an exact copy of crds/ (a CRD dropped upstream is dropped here too). */
export async function syncChartCrds(): Promise<void> {
  const wanted = await crdFileNames();
  for (const f of await readdir(CHART_CRDS).catch(() => [] as string[])) {
    if (!wanted.includes(f)) await rm(join(CHART_CRDS, f));
  }
  for (const f of wanted) await copyFile(join(CRDS, f), join(CHART_CRDS, f));
}

/** `helm template` of `chart` (default: ours) with the chart's defaults plus `args`. */
export async function helmTemplate(helm: string, args: readonly string[] = [], chart = CHART): Promise<string> {
  const r = await runOk(helm, ['template', DEPLOY_RELEASE, chart, '--namespace', DEPLOY_NAMESPACE, ...args], { env: helmEnv() });
  return r.stdout;
}

const NAMESPACE_YAML = `# The namespace of the plain manifests, with the restricted Pod Security Standard enforced:
# passthru's pods meet it, so nothing else may run here that does not.
apiVersion: v1
kind: Namespace
metadata:
  name: ${DEPLOY_NAMESPACE}
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
`;

/** deploy/'s files by name; the names sort in the order kubectl must apply them (CRDs first). */
export async function deployFiles(helm: string): Promise<Map<string, string>> {
  const crds = await Promise.all((await crdFileNames()).map((f) => readFile(join(CRDS, f), 'utf8')));
  const rendered = await helmTemplate(helm);
  const header = [
    '# Rendered from charts/passthru with its default values by `npm run render:deploy`; do not edit.',
    `# Release "${DEPLOY_RELEASE}" in namespace "${DEPLOY_NAMESPACE}". For other settings use the chart (docs/install.md).`,
    '',
  ].join('\n');
  return new Map([
    ['00-crds.yaml', crds.join('---\n')],
    ['01-namespace.yaml', NAMESPACE_YAML],
    ['10-passthru.yaml', header + rendered],
  ]);
}

export interface ValueRow {
  key: string;
  default: unknown;
  description: string;
  line: number;
}

/**
 * Reads values.yaml's documentation: every key carries a `# -- text` comment above it. A
 * documented key with children (resources, updateStrategy) is one row; an undocumented key with
 * children is a section whose keys each need their own comment. Undocumented leaves are errors.
 */
export function valueRows(text: string): { rows: ValueRow[]; undocumented: string[] } {
  const values = parse(text) as Record<string, unknown>;
  const rows: ValueRow[] = [];
  const undocumented: string[] = [];
  const stack: Array<{ indent: number; key: string; documented: boolean }> = [];
  let pending: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const comment = /^\s*# -- (.*)$/.exec(raw);
    if (comment) {
      pending.push(comment[1]!.trim());
      return;
    }
    const m = /^(\s*)([A-Za-z][\w-]*):(.*)$/.exec(raw);
    if (!m) return;
    const indent = m[1]!.length;
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const description = pending.join(' ');
    pending = [];
    if (stack.some((s) => s.documented)) return; // inside a documented object: its parts are its default
    const key = [...stack.map((s) => s.key), m[2]!].join('.');
    const hasChildren = m[3]!.trim() === '';
    if (description) rows.push({ key, default: lookup(values, key), description, line: i + 1 });
    else if (!hasChildren) undocumented.push(`values.yaml:${i + 1}: ${key} has no "# --" comment`);
    if (hasChildren) stack.push({ indent, key: m[2]!, documented: description !== '' });
  });
  return { rows, undocumented };
}

function lookup(values: Record<string, unknown>, key: string): unknown {
  let v: unknown = values;
  for (const part of key.split('.')) v = (v as Record<string, unknown> | undefined)?.[part];
  return v;
}

export function valuesTable(rows: readonly ValueRow[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = ['| Key | Default | Description |', '|---|---|---|'];
  for (const r of rows) lines.push(`| \`${r.key}\` | \`${cell(JSON.stringify(r.default) ?? 'null')}\` | ${cell(r.description)} |`);
  return lines.join('\n');
}

/** docs/install.md with the table between the markers replaced by `table`. */
export function withValuesTable(doc: string, table: string): string {
  const start = doc.indexOf(TABLE_START);
  const end = doc.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`docs/install.md: missing ${TABLE_START} ... ${TABLE_END}`);
  return `${doc.slice(0, start + TABLE_START.length)}\n${table}\n${doc.slice(end)}`;
}

export async function expectedInstallDoc(): Promise<string> {
  const { rows, undocumented } = valueRows(await readFile(join(CHART, 'values.yaml'), 'utf8'));
  if (undocumented.length > 0) throw new Error(undocumented.join('\n'));
  return withValuesTable(await readFile(INSTALL_DOC, 'utf8'), valuesTable(rows));
}

async function main(): Promise<void> {
  await syncChartCrds();
  const helm = await helmPath();
  const files = await deployFiles(helm);
  await mkdir(DEPLOY, { recursive: true });
  for (const f of await readdir(DEPLOY)) if (!files.has(f)) await rm(join(DEPLOY, f));
  for (const [name, text] of files) await writeFile(join(DEPLOY, name), text);
  await writeFile(INSTALL_DOC, await expectedInstallDoc());
  process.stdout.write('synced charts/passthru/crds, wrote deploy/ and the values table in docs/install.md\n');
}

if (import.meta.main) await main();
