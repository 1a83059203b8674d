// The durable drain through the API server: `kubectl annotate rpt ... passthru.dev/drain=...`
// and `passthru.dev/disable=...` take servers out of rotation on the replica and show in
// status; a terminating endpoint that still serves drains the same way.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import {
  applyYaml,
  eventually,
  getRpt,
  installCrds,
  kubectlOk,
  newNamespace,
  proxyGet,
  rpt,
  sharedKube,
  startController,
  startHostUpstream,
  type ControllerProcess,
  type Kube,
} from '../controller/kube-harness.ts';

let kube: Kube;
let ups: TestUpstream[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  kube = sharedKube();
  await installCrds(kube);
  ups = await Promise.all(['a', 'b', 'c'].map((n) => startUpstream(n)));
});

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((f) => f()));
});

afterAll(async () => {
  await Promise.all(ups.map((u) => u.close()));
});

async function controllerFor(ns: string): Promise<ControllerProcess> {
  const c = await startController(kube.kubeconfig, ['--namespace', ns, '--allow-loopback-servers']);
  cleanups.push(() => c.stop());
  return c;
}

async function statesBecome(ns: string, name: string, want: string[]): Promise<void> {
  await eventually(`states ${want.join(' ')}`, async () => {
    const servers = (await getRpt(kube, ns, name)).status?.servers ?? [];
    const got = servers.map((s) => `${s.route}:${s.state}`);
    return JSON.stringify(got) === JSON.stringify(want) ? true : undefined;
  });
}

describe('draining servers with annotations', () => {
  it('drains and disables servers by route on kubectl annotate, and brings them back when the annotations go', async () => {
    const ns = await newNamespace(kube, 'drain');
    const c = await controllerFor(ns);
    const servers = ups.map((u) => `    - {host: 127.0.0.1, port: ${u.port}, route: ${u.name}}`).join('\n');
    await applyYaml(kube, rpt(ns, 'app', `  contextRoots: [/app]\n  stickySession: {cookie: JSESSIONID}\n  servers:\n${servers}`));
    await statesBecome(ns, 'app', ['a:healthy', 'b:healthy', 'c:healthy']);

    await kubectlOk(kube, ['annotate', 'rpt', '-n', ns, 'app', 'passthru.dev/drain=a', 'passthru.dev/disable=b']);
    await statesBecome(ns, 'app', ['a:draining', 'b:disabled', 'c:healthy']);
    expect((await getRpt(kube, ns, 'app')).status?.serverSummary).toBe('1/3');
    const bodies = await Promise.all([1, 2, 3, 4, 5, 6].map(() => proxyGet(c.port, '/app')));
    expect(new Set(bodies.map((b) => b.body))).toEqual(new Set(['c']));

    await kubectlOk(kube, ['annotate', 'rpt', '-n', ns, 'app', 'passthru.dev/drain-', 'passthru.dev/disable-']);
    await statesBecome(ns, 'app', ['a:healthy', 'b:healthy', 'c:healthy']);
  });

  it('drains a terminating endpoint that still serves', async () => {
    const ns = await newNamespace(kube, 'term');
    await controllerFor(ns);
    const host = await startHostUpstream('x');
    cleanups.push(() => host.close());
    const slice = (conditions: string): string => `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-1, namespace: ${ns}, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: ${host.port}}]
endpoints:
  - addresses: [${host.host}]
    conditions: {${conditions}}
    targetRef: {kind: Pod, namespace: ${ns}, name: web-0}
`;
    await applyYaml(kube, `apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: ${ns}}\nspec:\n  ports: [{name: http, port: 80}]\n---\n${slice('ready: true')}`);
    await applyYaml(kube, rpt(ns, 'web', '  contextRoots: [/web]\n  service: {name: web, port: http}'));
    await eventually('healthy', async () => ((await getRpt(kube, ns, 'web')).status?.servers?.[0]?.state === 'healthy' ? true : undefined));
    await applyYaml(kube, slice('ready: false, serving: true, terminating: true'));
    await eventually('draining', async () => ((await getRpt(kube, ns, 'web')).status?.servers?.[0]?.state === 'draining' ? true : undefined));
  });
});
