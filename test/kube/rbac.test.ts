// RBAC for real: the chart's ServiceAccount and roles in a real API server, a token minted for
// that account with the TokenRequest API, and `passthru controller` run with the chart's own
// arguments and nothing but that token. What the chart forgot to grant fails here exactly as in
// a cluster; `kubectl auth can-i` with the same token shows what it was not given.
//
// A control plane of its own: a controller watching all namespaces would otherwise write status
// on the targets of the other test files sharing the suite's API server.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane } from '../envtest/control-plane.ts';
import type { ControlPlane } from '../envtest/control-plane.ts';
import { CHART, HELM_SETUP_TIMEOUT, findOne, helmPath, podSpec } from '../chart/helm.ts';
import { cluster, eventually, newNamespace, ok, releaseObjects, tokenKubeconfig } from '../chart/kube.ts';
import type { Cluster } from '../chart/kube.ts';
import { CLI, runNode } from '../helpers/cli.ts';
import type { Running } from '../helpers/cli.ts';
import { startUpstream } from '../helpers/upstream.ts';
import type { TestUpstream } from '../helpers/upstream.ts';

let cp: ControlPlane;
let kube: Cluster;
let helmBin: string;
let dir: string;
let upstream: TestUpstream;
const running: Running[] = [];

/** What the chart installed for one release, and a kubeconfig holding its ServiceAccount's token. */
interface Installed {
  namespace: string;
  args: string[];
  env: Record<string, string>;
  saKubeconfig: string;
  sa: Cluster;
  leaseName: string;
}

let clusterWide: Installed;

beforeAll(async () => {
  helmBin = await helmPath();
  cp = await startControlPlane();
  kube = cluster(cp.kubeconfigPath, cp.binaries.kubectl, helmBin);
  dir = await mkdtemp(join(tmpdir(), 'passthru-rbac-'));
  upstream = await startUpstream('app');
  clusterWide = await install('passthru', []);
}, HELM_SETUP_TIMEOUT);

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

afterAll(async () => {
  await upstream?.close();
  await cp?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function install(release: string, values: string[]): Promise<Installed> {
  const namespace = await newNamespace(kube, `${release}-system`);
  ok(await kube.helm(['install', release, CHART, '-n', namespace, ...values]), `helm install ${release}`);
  const objects = await releaseObjects(kube, release, namespace);
  const container = podSpec(findOne(objects, 'Deployment')).containers[0] as { args: string[]; env?: Array<{ name: string; value: string }> };
  const saName = findOne(objects, 'ServiceAccount').metadata.name;
  // TokenRequest: a short-lived token bound to the account, as the kubelet would project it.
  const token = ok(await kube.kubectl(['create', 'token', saName, '-n', namespace, '--duration=1h']), 'kubectl create token').trim();
  const saKubeconfig = await tokenKubeconfig(cp.kubeconfigPath, token, namespace, dir);
  const leaseName = container.args.find((a) => a.startsWith('--leader-elect-name='))!.split('=')[1]!;
  return {
    namespace,
    args: container.args,
    env: Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value])),
    saKubeconfig,
    sa: cluster(saKubeconfig, cp.binaries.kubectl, helmBin),
    leaseName,
  };
}

/** The Deployment's own arguments, with the listeners moved to loopback port 0 for the test. */
async function startChartController(i: Installed): Promise<Running> {
  const args = i.args
    .filter((a) => !/^--(listen|admin|drain-timeout)=/.test(a))
    .concat(['--listen=127.0.0.1:0', '--admin=127.0.0.1:0', '--drain-timeout=2s', '--allow-loopback-servers', `--kubeconfig=${i.saKubeconfig}`]);
  const r = await runNode([CLI, ...args], i.env);
  running.push(r);
  const listening = await r.waitForLog((l) => l.msg === 'listening', 'listening');
  r.port = (listening['traffic'] as { port: number }).port;
  r.adminPort = (listening['admin'] as { port: number }).port;
  await r.waitForLog((l) => l.msg === 'controller ready', 'controller ready');
  return r;
}

function target(namespace: string, name: string, spec: string): string {
  return `apiVersion: passthru.dev/v1alpha1
kind: ReverseProxyTarget
metadata: {name: ${name}, namespace: ${namespace}}
spec:
${spec}`;
}

interface Condition {
  type: string;
  status: string;
  reason: string;
}

async function accepted(namespace: string, name: string): Promise<Condition | undefined> {
  const out = ok(await kube.kubectl(['get', 'rpt', name, '-n', namespace, '-o', 'json']), 'get rpt');
  const status = (JSON.parse(out) as { status?: { conditions?: Condition[] } }).status;
  return status?.conditions?.find((c) => c.type === 'Accepted');
}

async function routes(port: number, path: string): Promise<string | undefined> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`).catch(() => undefined);
  return res?.status === 200 ? await res.text() : undefined;
}

/** Refusals the controller logged: anything the chart did not grant shows up as a 403. */
const forbidden = (r: Running) => r.logs.filter((l) => /forbidden|\b403\b/i.test(JSON.stringify(l)));

async function canI(sa: Cluster, args: string[]): Promise<string> {
  const r = await sa.kubectl(['auth', 'can-i', ...args]);
  return r.stdout.trim();
}

describe('the chart grants the controller what it needs', () => {
  it('routes, writes status and events, and holds its Lease with only the chart ServiceAccount token', async () => {
    const apps = await newNamespace(kube, 'apps');
    const c = await startChartController(clusterWide);
    ok(
      await kube.kubectl(['apply', '-f', '-'], target(apps, 'app', `  contextRoots: [/app]\n  servers:\n    - {host: 127.0.0.1, port: ${upstream.port}}`)),
      'apply rpt',
    );
    expect(await eventually('GET /app through the proxy', () => routes(c.port, '/app/'))).toBe('app');
    expect(await eventually('Accepted=True written', async () => {
      const cond = await accepted(apps, 'app');
      return cond?.status === 'True' ? cond : undefined;
    })).toMatchObject({ reason: 'Valid' });

    // A rejected target: status says why and a Warning Event is recorded (Secrets read, Events created).
    ok(
      await kube.kubectl(['apply', '-f', '-'], target(apps, 'secure', `  hosts: [secure.test]\n  contextRoots: [/secure]\n  servers:\n    - {host: 127.0.0.1, port: ${upstream.port}}\n  tls: {secretName: missing}`)),
      'apply rpt',
    );
    expect(await eventually('Accepted=False SecretNotFound', async () => {
      const cond = await accepted(apps, 'secure');
      return cond?.status === 'False' ? cond.reason : undefined;
    })).toBe('SecretNotFound');
    const events = await eventually('a Warning event', async () => {
      const out = ok(await kube.kubectl(['get', 'events', '-n', apps, '--field-selector', 'involvedObject.name=secure', '-o', 'json']), 'get events');
      const items = (JSON.parse(out) as { items: Array<{ type: string; reason: string }> }).items;
      return items.length > 0 ? items : undefined;
    });
    expect(events[0]).toMatchObject({ type: 'Warning', reason: 'SecretNotFound' });

    const holder = ok(await kube.kubectl(['get', 'lease', clusterWide.leaseName, '-n', clusterWide.namespace, '-o', 'jsonpath={.spec.holderIdentity}']), 'get lease');
    expect(holder).not.toBe('');
    expect(forbidden(c)).toEqual([]);
    expect(await c.stop()).toBe(0);
  });

  it('with watchNamespace, routes that namespace through a Role alone and keeps its Lease at home', async () => {
    const watched = await newNamespace(kube, 'scoped-apps');
    const scoped = await install('scoped', ['--set', `watchNamespace=${watched}`]);
    expect(scoped.env).toEqual({ PASSTHRU_NAMESPACE: watched });
    const c = await startChartController(scoped);
    ok(
      await kube.kubectl(['apply', '-f', '-'], target(watched, 'app', `  contextRoots: [/scoped]\n  servers:\n    - {host: 127.0.0.1, port: ${upstream.port}}`)),
      'apply rpt',
    );
    expect(await eventually('GET /scoped through the proxy', () => routes(c.port, '/scoped'))).toBe('app');
    expect((await eventually('Accepted written', () => accepted(watched, 'app'))).status).toBe('True');
    const lease = ok(await kube.kubectl(['get', 'lease', scoped.leaseName, '-n', scoped.namespace, '-o', 'name']), 'get lease');
    expect(lease.trim()).toBe(`lease.coordination.k8s.io/${scoped.leaseName}`);
    expect(forbidden(c)).toEqual([]);

    // Nothing outside the watched namespace, not even to read.
    const other = await newNamespace(kube, 'elsewhere');
    for (const what of [['get', 'secrets', '-n', other], ['list', 'secrets', '-A'], ['list', 'reverseproxytargets.passthru.dev', '-n', other], ['create', 'leases', '-n', watched]]) {
      expect(await canI(scoped.sa, what), what.join(' ')).toBe('no');
    }
    expect(await canI(scoped.sa, ['get', 'secrets', '-n', watched])).toBe('yes');
  });
});

describe('the chart grants the controller nothing more (kubectl auth can-i with its token)', () => {
  const ns = () => clusterWide.namespace;

  it('may read what it routes and write only target status, events and its own Lease', async () => {
    const allowed = [
      ['list', 'reverseproxytargets.passthru.dev', '-A'],
      ['watch', 'endpointslices.discovery.k8s.io', '-A'],
      ['get', 'secrets', '-n', 'default'],
      ['patch', 'reverseproxytargets.passthru.dev', '--subresource=status', '-n', 'default'],
      ['update', 'reverseproxytargets.passthru.dev', '--subresource=status', '-n', 'default'],
      ['create', 'events', '-n', 'default'],
      ['create', 'events.events.k8s.io', '-n', 'default'],
      ['create', 'leases.coordination.k8s.io', '-n', ns()],
      ['update', `leases.coordination.k8s.io/${clusterWide.leaseName}`, '-n', ns()],
    ];
    for (const what of allowed) expect(await canI(clusterWide.sa, what), what.join(' ')).toBe('yes');
  });

  it('cannot write Secrets', async () => {
    for (const verb of ['create', 'update', 'patch', 'delete']) {
      expect(await canI(clusterWide.sa, [verb, 'secrets', '-n', ns()]), verb).toBe('no');
      expect(await canI(clusterWide.sa, [verb, 'secrets', '-n', 'default']), verb).toBe('no');
    }
  });

  it('cannot delete anything', async () => {
    for (const resource of ['reverseproxytargets.passthru.dev', 'services', 'endpointslices.discovery.k8s.io', 'secrets', 'events', 'leases.coordination.k8s.io', 'pods', 'deployments.apps', 'namespaces']) {
      for (const verb of ['delete', 'deletecollection']) {
        expect(await canI(clusterWide.sa, [verb, resource, '-n', ns()]), `${verb} ${resource}`).toBe('no');
      }
    }
  });

  it('cannot change targets or touch the status of any other resource', async () => {
    for (const verb of ['create', 'update', 'patch']) {
      expect(await canI(clusterWide.sa, [verb, 'reverseproxytargets.passthru.dev', '-n', 'default']), `${verb} rpt`).toBe('no');
    }
    for (const resource of ['services', 'pods', 'deployments.apps', 'nodes', 'customresourcedefinitions.apiextensions.k8s.io']) {
      for (const verb of ['update', 'patch']) {
        expect(await canI(clusterWide.sa, [verb, resource, '--subresource=status', '-n', 'default']), `${verb} ${resource}/status`).toBe('no');
      }
    }
  });

  it('cannot create pods, take over other Leases or escalate', async () => {
    expect(await canI(clusterWide.sa, ['create', 'pods', '-n', ns()])).toBe('no');
    expect(await canI(clusterWide.sa, ['create', 'pods/exec', '-n', ns()])).toBe('no');
    expect(await canI(clusterWide.sa, ['update', 'leases.coordination.k8s.io/kube-scheduler', '-n', ns()])).toBe('no');
    expect(await canI(clusterWide.sa, ['create', 'leases.coordination.k8s.io', '-n', 'kube-system'])).toBe('no');
    expect(await canI(clusterWide.sa, ['create', 'clusterrolebindings.rbac.authorization.k8s.io'])).toBe('no');
    expect(await canI(clusterWide.sa, ['impersonate', 'serviceaccounts', '-n', ns()])).toBe('no');
    expect(await canI(clusterWide.sa, ['*', '*', '-A'])).toBe('no');
  });
});
