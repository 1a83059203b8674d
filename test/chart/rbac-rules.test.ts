// Least privilege as rendered: read what it routes, write only status, events and its Lease.
// (test/kube/rbac.test.ts proves the same against a real API server with a real token.)
import { beforeAll, describe, expect, it } from 'vitest';
import { HELM_SETUP_TIMEOUT, NAMESPACE, findOne, helmPath, parseObjects, podSpec, template } from './helm.ts';
import type { K8sObject } from './helm.ts';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const READ = ['get', 'list', 'watch'];
// Everything the controller may write, as "group/resource": verbs.
const WRITES: Record<string, string[]> = {
  'passthru.dev/reverseproxytargets/status': ['update', 'patch'],
  '/events': ['create', 'patch'],
  'events.k8s.io/events': ['create', 'patch'],
  'coordination.k8s.io/leases': ['get', 'create', 'update'],
};

let bin: string;
beforeAll(async () => {
  bin = await helmPath();
}, HELM_SETUP_TIMEOUT);

const roles = (objects: K8sObject[]) => objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role');
const rulesOf = (role: K8sObject) => role['rules'] as Rule[];

function grants(objects: K8sObject[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const role of roles(objects)) {
    for (const r of rulesOf(role)) {
      for (const g of r.apiGroups) for (const res of r.resources) {
        const key = `${g}/${res}`;
        out.set(key, new Set([...(out.get(key) ?? []), ...r.verbs]));
      }
    }
  }
  return out;
}

describe('RBAC rendered by the chart', () => {
  it('grants reads on what it routes and writes only to status, events and leases', async () => {
    const g = grants(parseObjects(await template(bin)));
    expect(Object.fromEntries([...g].map(([k, v]) => [k, [...v].sort()]))).toEqual({
      'passthru.dev/reverseproxytargets': READ,
      '/services': READ,
      '/secrets': READ,
      'discovery.k8s.io/endpointslices': READ,
      ...Object.fromEntries(Object.entries(WRITES).map(([k, v]) => [k, [...v].sort()])),
    });
  });

  it('never grants wildcards, delete, escalation verbs or pods', async () => {
    for (const set of [[], ['--set', 'watchNamespace=apps']]) {
      for (const role of roles(parseObjects(await template(bin, set)))) {
        for (const r of rulesOf(role)) {
          expect([...r.apiGroups, ...r.resources, ...r.verbs]).not.toContain('*');
          for (const v of ['delete', 'deletecollection', 'escalate', 'bind', 'impersonate']) expect(r.verbs).not.toContain(v);
          expect(r.resources.filter((x) => x.startsWith('pods'))).toEqual([]);
        }
      }
    }
  });

  it('uses a ClusterRole by default, and with watchNamespace only Roles in that namespace', async () => {
    const cluster = parseObjects(await template(bin));
    expect(cluster.filter((o) => o.kind === 'ClusterRole').map((o) => o.metadata.name)).toEqual(['passthru']);
    expect(cluster.filter((o) => o.kind === 'ClusterRoleBinding')).toHaveLength(1);

    const namespaced = parseObjects(await template(bin, ['--set', 'watchNamespace=apps']));
    expect(namespaced.filter((o) => o.kind.startsWith('Cluster'))).toEqual([]);
    const byNs = namespaced
      .filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding')
      .map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)
      .sort();
    expect(byNs).toEqual([
      'Role apps/passthru',
      `Role ${NAMESPACE}/passthru-leader-election`,
      'RoleBinding apps/passthru',
      `RoleBinding ${NAMESPACE}/passthru-leader-election`,
    ]);
  });

  it('keeps the Lease role in the release namespace, bound to the chart ServiceAccount', async () => {
    const objects = parseObjects(await template(bin));
    const lease = roles(objects).filter((r) => rulesOf(r).some((x) => x.resources.includes('leases')));
    expect(lease.map((r) => `${r.kind} ${r.metadata.namespace}`)).toEqual([`Role ${NAMESPACE}`]);
    for (const b of objects.filter((o) => o.kind.endsWith('Binding'))) {
      expect(b['subjects']).toEqual([{ kind: 'ServiceAccount', name: 'passthru', namespace: NAMESPACE }]);
    }
  });

  it('limits get and update on leases to the Lease named on the command line', async () => {
    const objects = parseObjects(await template(bin, ['--set', 'watchNamespace=apps']));
    const rules = roles(objects).flatMap(rulesOf).filter((r) => r.resources.includes('leases'));
    expect(rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['passthru-controller'], verbs: ['get', 'update'] },
    ]);
    const args = (podSpec(findOne(objects, 'Deployment')).containers[0] as { args: string[] }).args;
    expect(args).toContain(`--leader-elect-namespace=${NAMESPACE}`);
    expect(args).toContain('--leader-elect-name=passthru-controller');
  });

  it('drops the Lease role without leader election, and every role with rbac.create=false', async () => {
    const noLeader = parseObjects(await template(bin, ['--set', 'controller.leaderElect=false']));
    expect(roles(noLeader).flatMap(rulesOf).flatMap((r) => r.resources)).not.toContain('leases');
    const none = parseObjects(await template(bin, ['--set', 'rbac.create=false']));
    expect(none.filter((o) => o.apiVersion.startsWith('rbac.authorization.k8s.io'))).toEqual([]);
  });
});
