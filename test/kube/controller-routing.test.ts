// `passthru controller` against the real kube-apiserver: targets applied with kubectl are
// routed, updated and removed; Services are followed through their EndpointSlices; missing
// Secrets and conflicts are reported in conditions and Events. One controller per test, in
// its own namespace (--namespace), on the suite's shared control plane.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import {
  applyYaml,
  condition,
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
const controllers: ControllerProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  kube = sharedKube();
  await installCrds(kube);
  ups = await Promise.all(['a', 'b', 'c'].map((n) => startUpstream(n)));
});

afterEach(async () => {
  await Promise.all(controllers.splice(0).map((c) => c.stop()));
  await Promise.all(cleanups.splice(0).map((f) => f()));
});

afterAll(async () => {
  await Promise.all(ups.map((u) => u.close()));
});

async function controllerFor(ns: string, extra: string[] = ['--allow-loopback-servers']): Promise<ControllerProcess> {
  const c = await startController(kube.kubeconfig, ['--namespace', ns, ...extra]);
  controllers.push(c);
  return c;
}

const server = (u: TestUpstream, route?: string): string => `    - {host: 127.0.0.1, port: ${u.port}${route ? `, route: ${route}` : ''}}`;

async function bodyBecomes(c: ControllerProcess, path: string, want: string | number, timeoutMs = 5000): Promise<number> {
  const started = Date.now();
  await eventually(`GET ${path} answers ${want}`, async () => {
    const r = await proxyGet(c.port, path);
    return (typeof want === 'number' ? r.status === want : r.status === 200 && r.body === want) ? true : undefined;
  }, timeoutMs, 25);
  return Date.now() - started;
}

async function events(ns: string, name: string): Promise<Array<{ type: string; reason: string; message: string; count: number }>> {
  const out = await kubectlOk(kube, ['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${name}`, '-o', 'json']);
  return (JSON.parse(out) as { items: Array<{ type: string; reason: string; message: string; count: number }> }).items;
}

describe('passthru controller with a real API server', () => {
  it('serves readiness only once its caches synced and routes a target within 2 s of kubectl apply', async () => {
    const ns = await newNamespace(kube, 'route');
    const c = await controllerFor(ns);
    const ready = await fetch(`http://127.0.0.1:${c.adminPort}/readyz`);
    expect(ready.status).toBe(200);
    expect(c.logs.findIndex((l) => l.msg === 'caches synced')).toBeLessThan(c.logs.findIndex((l) => l.msg === 'configuration applied'));

    await applyYaml(kube, rpt(ns, 'app', `  contextRoots: [/app]\n  servers:\n${server(ups[0]!)}`));
    const applied = Date.now();
    await bodyBecomes(c, '/app/x', 'a', 2000);
    expect(Date.now() - applied).toBeLessThan(2000);
  });

  it('follows updates and deletion of a target', async () => {
    const ns = await newNamespace(kube, 'update');
    const c = await controllerFor(ns);
    await applyYaml(kube, rpt(ns, 'app', `  contextRoots: [/app]\n  servers:\n${server(ups[0]!)}`));
    await bodyBecomes(c, '/app', 'a');
    await applyYaml(kube, rpt(ns, 'app', `  contextRoots: [/app, /other]\n  servers:\n${server(ups[1]!)}`));
    await bodyBecomes(c, '/app', 'b');
    expect((await proxyGet(c.port, '/other')).body).toBe('b');
    await kubectlOk(kube, ['delete', 'rpt', '-n', ns, 'app']);
    await bodyBecomes(c, '/app', 404);
  });

  it('follows the EndpointSlices of a Service: port by name, new endpoints join, removed and non-serving ones leave', async () => {
    const ns = await newNamespace(kube, 'svc');
    const c = await controllerFor(ns);
    const hostUps = await Promise.all(['a', 'b'].map((n) => startHostUpstream(n)));
    cleanups.push(...hostUps.map((u) => () => u.close()));
    const slice = (name: string, u: { host: string; port: number }, pod: string, conditions = 'ready: true'): string => `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${name}
  namespace: ${ns}
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
ports: [{name: http, port: ${u.port}, protocol: TCP}]
endpoints:
  - addresses: [${u.host}]
    conditions: {${conditions}}
    targetRef: {kind: Pod, namespace: ${ns}, name: ${pod}}
`;
    await applyYaml(
      kube,
      `apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${ns}}
spec:
  ports: [{name: metrics, port: 9100}, {name: http, port: 80, targetPort: 8080}]
---
${slice('web-a', hostUps[0]!, 'web-0')}`,
    );
    await applyYaml(kube, rpt(ns, 'web', '  contextRoots: [/web]\n  service: {name: web, port: http}'));
    await bodyBecomes(c, '/web', 'a');

    await applyYaml(kube, slice('web-b', hostUps[1]!, 'web-1'));
    const seen = new Set<string>();
    await eventually('both endpoints serve', async () => {
      seen.add((await proxyGet(c.port, '/web')).body);
      return seen.has('a') && seen.has('b') ? true : undefined;
    });

    // web-0 terminates and no longer serves: it leaves; only web-1 answers.
    await applyYaml(kube, slice('web-a', hostUps[0]!, 'web-0', 'ready: false, serving: false, terminating: true'));
    await eventually('only b answers', async () => {
      const bodies = await Promise.all([1, 2, 3, 4].map(() => proxyGet(c.port, '/web')));
      return bodies.every((r) => r.body === 'b') ? true : undefined;
    });

    await kubectlOk(kube, ['delete', 'endpointslice', '-n', ns, 'web-b']);
    await bodyBecomes(c, '/web', 503);
    const status = await eventually('status shows no servers', async () => {
      const s = (await getRpt(kube, ns, 'web')).status;
      return s?.serverSummary === '0/0' ? s : undefined;
    });
    expect(condition(status, 'Accepted')?.status).toBe('True');
    expect(condition(status, 'Ready')).toMatchObject({ status: 'False', reason: 'NoServers' });
  });

  it('reports a missing Secret in the Accepted condition and an Event, and accepts the target once it exists', async () => {
    const ns = await newNamespace(kube, 'secret');
    const c = await controllerFor(ns);
    await applyYaml(
      kube,
      rpt(ns, 'ws', `  contextRoots: [/ws]\n  servers:\n${server(ups[2]!)}\n  headers: {connector: websphere, connectorSecretRef: {name: wsheaders, key: secret}}`),
    );
    const status = await eventually('SecretNotFound', async () => {
      const s = (await getRpt(kube, ns, 'ws')).status;
      return condition(s, 'Accepted')?.reason === 'SecretNotFound' ? s : undefined;
    });
    expect(condition(status, 'Accepted')).toMatchObject({ status: 'False', message: expect.stringContaining('Secret "wsheaders" not found') });
    expect(condition(status, 'Ready')).toMatchObject({ status: 'False', reason: 'NotAccepted' });
    expect(await proxyGet(c.port, '/ws')).toMatchObject({ status: 404 });
    const warnings = await eventually('a Warning event', async () => {
      const list = await events(ns, 'ws');
      return list.length > 0 ? list : undefined;
    });
    expect(warnings).toEqual([expect.objectContaining({ type: 'Warning', reason: 'SecretNotFound', count: 1 })]);

    await kubectlOk(kube, ['create', 'secret', 'generic', 'wsheaders', '-n', ns, '--from-literal=secret=s3cr3t']);
    await bodyBecomes(c, '/ws', 'c');
    await eventually('Accepted', async () => (condition((await getRpt(kube, ns, 'ws')).status, 'Accepted')?.status === 'True' ? true : undefined));
    expect(ups[2]!.seen.at(-1)?.headers['$wssecret']).toBe('s3cr3t');
  });

  it('gives a contested context root to the older target, names it in the newer one\'s Conflict, and hands over when it goes', async () => {
    const ns = await newNamespace(kube, 'conflict');
    const c = await controllerFor(ns);
    // Named so that namespace/name order (the tie-break) would pick the newer one: age decides.
    await applyYaml(kube, rpt(ns, 'zz-old', `  contextRoots: [/shop]\n  servers:\n${server(ups[0]!)}`));
    await bodyBecomes(c, '/shop', 'a');
    // creationTimestamp has whole seconds: make the second target measurably younger.
    const created = Date.parse((JSON.parse(await kubectlOk(kube, ['get', 'rpt', '-n', ns, 'zz-old', '-o', 'json'])) as { metadata: { creationTimestamp: string } }).metadata.creationTimestamp);
    await new Promise((r) => setTimeout(r, Math.max(0, created + 1000 - Date.now())));
    await applyYaml(kube, rpt(ns, 'new', `  contextRoots: [/shop, /new]\n  servers:\n${server(ups[1]!)}`));
    const conflict = await eventually('Conflict', async () => {
      const cond = condition((await getRpt(kube, ns, 'new')).status, 'Accepted');
      return cond?.reason === 'Conflict' ? cond : undefined;
    });
    expect(conflict).toMatchObject({ status: 'False', message: `context root "/shop" (any host) is already served by ReverseProxyTarget ${ns}/zz-old` });
    expect((await proxyGet(c.port, '/shop')).body).toBe('a');
    expect((await proxyGet(c.port, '/new')).status).toBe(404); // a rejected target serves none of its roots
    expect(await events(ns, 'new')).toEqual([expect.objectContaining({ type: 'Warning', reason: 'Conflict' })]);

    await kubectlOk(kube, ['delete', 'rpt', '-n', ns, 'zz-old']);
    await bodyBecomes(c, '/shop', 'b');
    await eventually('new is accepted', async () => (condition((await getRpt(kube, ns, 'new')).status, 'Accepted')?.status === 'True' ? true : undefined));
  });

  it('writes status: observedGeneration, conditions, each server\'s state and the healthy/total summary kubectl shows', async () => {
    const ns = await newNamespace(kube, 'status');
    await controllerFor(ns);
    const dead = await freePort();
    await applyYaml(kube, rpt(ns, 'app', `  contextRoots: [/app]\n  servers:\n${server(ups[0]!, 'a')}\n${server(ups[1]!, 'b')}`));
    const first = await eventually('status of generation 1', async () => {
      const o = await getRpt(kube, ns, 'app');
      return o.status?.serverSummary === '2/2' ? o : undefined;
    });
    expect(first.status).toMatchObject({
      observedGeneration: 1,
      healthyServers: 2,
      servers: [
        { host: '127.0.0.1', port: ups[0]!.port, route: 'a', state: 'healthy', since: expect.any(String) },
        { host: '127.0.0.1', port: ups[1]!.port, route: 'b', state: 'healthy', since: expect.any(String) },
      ],
    });
    expect(first.status?.conditions).toEqual([
      { type: 'Accepted', status: 'True', reason: 'Valid', message: '', observedGeneration: 1, lastTransitionTime: expect.any(String) },
      { type: 'Ready', status: 'True', reason: 'Healthy', message: '2 of 2 servers healthy', observedGeneration: 1, lastTransitionTime: expect.any(String) },
    ]);

    // A third server that never answers its health checks: unhealthy, 2/3, still Ready.
    await applyYaml(
      kube,
      rpt(
        ns,
        'app',
        `  contextRoots: [/app]\n  servers:\n${server(ups[0]!, 'a')}\n${server(ups[1]!, 'b')}\n    - {host: 127.0.0.1, port: ${dead}, route: d}\n  healthCheck: {path: /, interval: 1s, timeout: 500ms, healthyThreshold: 1, unhealthyThreshold: 1}`,
      ),
    );
    const second = await eventually('status of generation 2', async () => {
      const o = await getRpt(kube, ns, 'app');
      return o.status?.observedGeneration === 2 && o.status.serverSummary === '2/3' ? o : undefined;
    });
    expect(second.status?.servers?.map((s) => [s.route, s.state])).toEqual([['a', 'healthy'], ['b', 'healthy'], ['d', 'unhealthy']]);
    const [accepted1, accepted2] = [condition(first.status, 'Accepted'), condition(second.status, 'Accepted')];
    expect(accepted2?.observedGeneration).toBe(2);
    expect(accepted2?.lastTransitionTime).toBe(accepted1?.lastTransitionTime); // no transition, no new time
    expect(condition(second.status, 'Ready')?.message).toBe('2 of 3 servers healthy');

    const table = await kubectlOk(kube, ['get', 'rpt', '-n', ns]);
    expect(table.split('\n')[1]).toMatch(/^app\s+\["\/app"\]\s+2\/3\s+True\s+\d+s/);
  });

  it('refuses a loopback server without --allow-loopback-servers: Invalid, with an Event, and nothing routed', async () => {
    const ns = await newNamespace(kube, 'loopback');
    const c = await controllerFor(ns, []);
    await applyYaml(kube, rpt(ns, 'local', `  contextRoots: [/local]\n  servers:\n${server(ups[0]!)}`));
    const cond = await eventually('Invalid', async () => {
      const x = condition((await getRpt(kube, ns, 'local')).status, 'Accepted');
      return x?.reason === 'Invalid' ? x : undefined;
    });
    expect(cond.message).toBe(
      `spec.servers[0].host: 127.0.0.1:${ups[0]!.port} is a loopback address (passthru controller refuses loopback and link-local servers unless --allow-loopback-servers is set)`,
    );
    expect((await proxyGet(c.port, '/local')).status).toBe(404);
    await eventually('Warning Invalid', async () => ((await events(ns, 'local')).some((e) => e.reason === 'Invalid') ? true : undefined));
  });
});
