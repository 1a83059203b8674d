// Helm for the chart tests: the binary from test/envtest (built from its Go module and cached),
// renders parsed into objects, and the value sets under test/chart/values/.
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CHART, DEPLOY_NAMESPACE, DEPLOY_RELEASE, helmEnv, helmPath } from '../../scripts/render-deploy.ts';
import { run } from '../envtest/exec.ts';
import type { RunResult } from '../envtest/exec.ts';

export { CHART, DEPLOY_NAMESPACE as NAMESPACE, DEPLOY_RELEASE as RELEASE, helmPath };

export const VALUES_DIR = join(import.meta.dirname, 'values');
export const GOLDEN_DIR = join(import.meta.dirname, 'golden');

/** Building helm on a cold machine takes minutes; a warm cache answers at once. */
export const HELM_SETUP_TIMEOUT = 30 * 60_000;

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** The value sets with golden files: "default" (no file) plus every test/chart/values/*.yaml. */
export async function valueSets(): Promise<Array<{ name: string; file?: string }>> {
  const files = (await readdir(VALUES_DIR)).filter((f) => f.endsWith('.yaml')).sort();
  return [{ name: 'default' }, ...files.map((f) => ({ name: basename(f, '.yaml'), file: join(VALUES_DIR, f) }))];
}

export function helm(bin: string, args: readonly string[]): Promise<RunResult> {
  return run(bin, args, { env: helmEnv() });
}

/** `helm template` as release "passthru" in namespace "passthru"; rejects with helm's stderr. */
export async function template(bin: string, args: readonly string[] = [], chart = CHART): Promise<string> {
  const r = await helm(bin, ['template', DEPLOY_RELEASE, chart, '--namespace', DEPLOY_NAMESPACE, ...args]);
  if (r.code !== 0) throw new Error(r.stderr.trim());
  return r.stdout;
}

export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

export function findOne(objects: readonly K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0]!;
}

export const PLACEHOLDER_DASHBOARD = '{\n  "title": "placeholder: golden files do not depend on the real dashboard"\n}\n';

/**
 * A throwaway copy of the chart whose dashboard is a fixed placeholder, so the golden files
 * change when the templates change and not when someone edits the dashboard's panels.
 */
export async function chartWithPlaceholderDashboard(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'passthru-chart-'));
  const dir = join(root, 'passthru');
  await cp(CHART, dir, { recursive: true });
  await writeFile(join(dir, 'dashboards', 'passthru.json'), PLACEHOLDER_DASHBOARD);
  return { dir, remove: () => rm(root, { recursive: true, force: true }) };
}

interface PodSpecLike {
  containers: Array<Record<string, unknown>>;
  initContainers?: Array<Record<string, unknown>>;
  [field: string]: unknown;
}

export function podSpec(deployment: K8sObject): PodSpecLike {
  return (deployment as unknown as { spec: { template: { spec: PodSpecLike } } }).spec.template.spec;
}

/** The kinds a default install renders, sorted: what both the render and the real install must hold. */
export const DEFAULT_OBJECT_KINDS = ['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'Service', 'ServiceAccount'];
