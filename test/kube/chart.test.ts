// The chart against a real kube-apiserver: `helm install` (every object accepted by server-side
// validation), the pod template admitted by the API server's own restricted Pod Security check,
// `kubectl apply -f deploy/`, and `helm uninstall` removing what was made. No kubelet runs, so
// no pod starts: acceptance is what is tested here; test/kube/rbac.test.ts runs the controller.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DEPLOY } from '../../scripts/render-deploy.ts';
import { CHART, DEFAULT_OBJECT_KINDS, HELM_SETUP_TIMEOUT, findOne, helmPath, parseObjects, template } from '../chart/helm.ts';
import type { K8sObject } from '../chart/helm.ts';
import { cluster, nameOf, newNamespace, ok, present, releaseObjects, suffix } from '../chart/kube.ts';
import type { Cluster } from '../chart/kube.ts';

const CRD = 'customresourcedefinition.apiextensions.k8s.io/reverseproxytargets.passthru.dev';
let kube: Cluster;
let helmBin: string;

beforeAll(async () => {
  helmBin = await helmPath();
  kube = cluster(inject('kubeconfig'), inject('envtest').kubectl, helmBin);
}, HELM_SETUP_TIMEOUT);

const manifestOf = (objects: K8sObject[]) => objects.map((o) => stringify(o)).join('---\n');

/** Installs, checks every object is on the server, uninstalls, checks every object is gone. */
async function installAndUninstall(release: string, ns: string, args: string[]): Promise<K8sObject[]> {
  ok(await kube.helm(['install', release, CHART, '-n', ns, ...args]), `helm install ${release}`);
  const objects = await releaseObjects(kube, release, ns);
  const manifest = manifestOf(objects);
  expect(await present(kube, manifest)).toEqual(objects.map(nameOf).sort());
  // The CRD came from the chart's crds/ (or was there already): Helm never deletes it.
  expect(ok(await kube.kubectl(['get', 'crd', 'reverseproxytargets.passthru.dev', '-o', 'name']), 'get crd').trim()).toBe(CRD);

  ok(await kube.helm(['uninstall', release, '-n', ns]), `helm uninstall ${release}`);
  expect(await present(kube, manifest)).toEqual([]);
  expect(ok(await kube.kubectl(['get', 'crd', 'reverseproxytargets.passthru.dev', '-o', 'name']), 'get crd').trim()).toBe(CRD);
  return objects;
}

describe('the chart in a real API server', () => {
  it('installs with default values, every object accepted, and uninstalls without leftovers', async () => {
    const ns = await newNamespace(kube, 'chart-default');
    const objects = await installAndUninstall(`d${suffix()}`, ns, []);
    expect(objects.map((o) => o.kind).sort()).toEqual(DEFAULT_OBJECT_KINDS);
  });

  it('installs every optional object but the ServiceMonitor, keeps a generated admin token across upgrades, and uninstalls', async () => {
    const ns = await newNamespace(kube, 'chart-all');
    const watched = await newNamespace(kube, 'chart-apps');
    const release = `a${suffix()}`;
    const args = [
      '--set', `watchNamespace=${watched}`,
      '--set', 'autoscaling.enabled=true',
      '--set', 'autoscaling.targetMemoryUtilizationPercentage=80',
      '--set', 'adminToken.enabled=true',
      '--set', 'dashboard.enabled=true',
      '--set', 'networkPolicy.enabled=true',
      '--set-json', 'networkPolicy.adminFrom=[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"monitoring"}}}]',
      '--set', 'service.type=NodePort',
      '--set', 'service.externalTrafficPolicy=Local',
      '--set', 'service.https.enabled=true',
      '--set', 'podAntiAffinity=hard',
      '--set-json', 'topologySpreadConstraints=[{"maxSkew":1,"topologyKey":"topology.kubernetes.io/zone","whenUnsatisfiable":"ScheduleAnyway"}]',
    ];
    ok(await kube.helm(['install', release, CHART, '-n', ns, ...args]), 'helm install');
    const objects = await releaseObjects(kube, release, ns);
    expect(new Set(objects.map((o) => o.kind))).toEqual(
      new Set(['ServiceAccount', 'Secret', 'ConfigMap', 'Service', 'Role', 'RoleBinding', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy']),
    );
    expect(objects.filter((o) => o.kind === 'Role').map((o) => o.metadata.namespace).sort()).toEqual([ns, watched].sort());
    expect(await present(kube, manifestOf(objects))).toEqual(objects.map(nameOf).sort());

    const token = async () =>
      ok(await kube.kubectl(['get', 'secret', `${release}-passthru-admin-token`, '-n', ns, '-o', 'jsonpath={.data.token}']), 'get token');
    const before = await token();
    expect(Buffer.from(before, 'base64').toString()).toMatch(/^[A-Za-z0-9]{40}$/);
    ok(await kube.helm(['upgrade', release, CHART, '-n', ns, ...args]), 'helm upgrade');
    expect(await token()).toBe(before);

    ok(await kube.helm(['uninstall', release, '-n', ns]), 'helm uninstall');
    expect(await present(kube, manifestOf(objects))).toEqual([]);
  });

  it('has a pod template the API server admits under the restricted Pod Security Standard', async () => {
    const ns = await newNamespace(kube, 'chart-pss', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    const podFrom = (objects: K8sObject[]) => {
      const template = (findOne(objects, 'Deployment') as unknown as { spec: { template: { metadata: object; spec: object } } }).spec.template;
      return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { ...template.metadata, name: `pss-${suffix()}`, namespace: ns }, spec: template.spec });
    };
    for (const set of [[], ['--set', 'adminToken.enabled=true', '--set', 'podAntiAffinity=hard']]) {
      const pod = podFrom(parseObjects(await template(helmBin, set)));
      const r = await kube.kubectl(['create', '--dry-run=server', '-f', '-'], pod);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    // The check is live: the same pod without its security context is refused.
    const bare = JSON.parse(podFrom(parseObjects(await template(helmBin)))) as { spec: { securityContext?: unknown; containers: Array<{ securityContext?: unknown }> } };
    delete bare.spec.securityContext;
    for (const c of bare.spec.containers) delete c.securityContext;
    const refused = await kube.kubectl(['create', '--dry-run=server', '-f', '-'], JSON.stringify(bare));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('violates PodSecurity "restricted:latest"');
  });

  it('refuses a value of the wrong type at helm install with the schema message, creating nothing', async () => {
    const ns = await newNamespace(kube, 'chart-bad');
    const release = `b${suffix()}`;
    const r = await kube.helm(['install', release, CHART, '-n', ns, '--set-string', 'replicaCount=two']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("at '/replicaCount': got string, want integer");
    expect(ok(await kube.helm(['list', '-n', ns, '-q']), 'helm list').trim()).toBe('');
    expect(ok(await kube.kubectl(['get', 'deployments,services,serviceaccounts,roles', '-n', ns, '-o', 'name']), 'get').trim()).toBe('');
  });

  it('applies deploy/ with kubectl apply -f, every object accepted', async () => {
    const applied = await kube.kubectl(['apply', '-f', `${DEPLOY}/`]);
    expect(applied.code, applied.stderr).toBe(0);
    const manifest = await readFile(join(DEPLOY, '10-passthru.yaml'), 'utf8');
    const objects = parseObjects(manifest);
    expect(await present(kube, manifest)).toEqual(objects.map(nameOf).sort());
    ok(await kube.kubectl(['delete', '-f', join(DEPLOY, '10-passthru.yaml'), '--wait=false']), 'kubectl delete');
    expect(await present(kube, manifest)).toEqual([]);
  });
});
