// kubectl and helm pointed at a real API server, for test/kube/chart.test.ts and rbac.test.ts:
// the suite's shared control plane, or one of the test's own.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { helmEnv } from '../../scripts/render-deploy.ts';
import { run, type RunResult } from '../envtest/exec.ts';
import { REPO } from '../helpers/cli.ts';
import { parseObjects, type K8sObject } from './helm.ts';

export interface Cluster {
  kubeconfig: string;
  kubectl(args: readonly string[], input?: string): Promise<RunResult>;
  helm(args: readonly string[]): Promise<RunResult>;
}

export function cluster(kubeconfig: string, kubectlBin: string, helmBin: string): Cluster {
  return {
    kubeconfig,
    kubectl: (args, input) => run(kubectlBin, [`--kubeconfig=${kubeconfig}`, ...args], { input, cwd: REPO }),
    helm: (args) => run(helmBin, [...args, `--kubeconfig=${kubeconfig}`], { env: helmEnv(), cwd: REPO }),
  };
}

export function ok(r: RunResult, what: string): string {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

export const suffix = (): string => randomBytes(3).toString('hex');

export async function newNamespace(c: Cluster, prefix: string, labels: Record<string, string> = {}): Promise<string> {
  const ns = `${prefix}-${suffix()}`;
  ok(await c.kubectl(['create', 'namespace', ns]), `create namespace ${ns}`);
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  if (pairs.length > 0) ok(await c.kubectl(['label', 'namespace', ns, ...pairs]), `label namespace ${ns}`);
  return ns;
}

/** The objects of an installed release, as Helm applied them. */
export async function releaseObjects(c: Cluster, release: string, namespace: string): Promise<K8sObject[]> {
  return parseObjects(ok(await c.helm(['get', 'manifest', release, '-n', namespace]), `helm get manifest ${release}`));
}

/** "kind/name" for each object of `manifest` the API server has; `[]` when none is left. */
export async function present(c: Cluster, manifest: string): Promise<string[]> {
  const r = ok(await c.kubectl(['get', '-f', '-', '--ignore-not-found', '-o', 'name'], manifest), 'kubectl get -f -');
  return r.split('\n').filter(Boolean).sort();
}

/** "kind/name" as `kubectl get -o name` prints it: the lower-case kind with its group. */
export function nameOf(o: K8sObject): string {
  const group = o.apiVersion.includes('/') ? `.${o.apiVersion.split('/')[0]}` : '';
  return `${o.kind.toLowerCase()}${group}/${o.metadata.name}`;
}

/** A kubeconfig that authenticates with `token` against the cluster of `adminKubeconfig`. */
export async function tokenKubeconfig(adminKubeconfig: string, token: string, namespace: string, dir: string): Promise<string> {
  const admin = parse(await readFile(adminKubeconfig, 'utf8')) as {
    clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
  };
  const { server, 'certificate-authority-data': ca } = admin.clusters[0]!.cluster;
  const file = join(dir, `token-${suffix()}.kubeconfig`);
  const text = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: envtest',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${ca}`,
    'users:',
    '- name: sa',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: sa',
    '  context:',
    '    cluster: envtest',
    '    user: sa',
    `    namespace: ${namespace}`,
    'current-context: sa',
    '',
  ].join('\n');
  await writeFile(file, text, { mode: 0o600 });
  return file;
}

export { eventually } from '../helpers/eventually.ts';
