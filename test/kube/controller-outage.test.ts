// The API server goes away for 20 s and comes back on the same etcd: traffic never stops
// (every replica serves from its own cache), a replica started during the outage stays
// unready until it can sync, and once the API server is back the caches resync and a change
// made right after the restart is applied and its status written. Runs its own control plane,
// since it stops the API server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../envtest/control-plane.ts';
import { REPO } from '../helpers/cli.ts';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';
import {
  applyYaml,
  eventually,
  getRpt,
  installCrds,
  newNamespace,
  proxyGet,
  rpt,
  startController,
  type ControllerProcess,
  type Kube,
} from '../controller/kube-harness.ts';
import { runNode, CLI } from '../helpers/cli.ts';

const OUTAGE_MS = 20_000;
let cp: ControlPlane;
let kube: Kube;
let ups: TestUpstream[] = [];
const stops: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  cp = await startControlPlane();
  kube = { kubeconfig: cp.kubeconfigPath, kubectl: (args, input) => cp.kubectl(args, { input }) };
  await installCrds({ ...kube, kubectl: (args, input) => cp.kubectl(args.map((a) => (a === 'crds/' ? `${REPO}crds/` : a)), { input }) });
  ups = await Promise.all(['a', 'b'].map((n) => startUpstream(n)));
}, 180_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await Promise.all(ups.map((u) => u.close()));
  await cp?.stop();
});

describe('API server outage', () => {
  it('keeps routing for 20 s without the API server, then resyncs and applies a change made right after it returns', async () => {
    const ns = await newNamespace(kube, 'outage');
    const spec = (u: TestUpstream): string => `  contextRoots: [/app]\n  servers:\n    - {host: 127.0.0.1, port: ${u.port}}`;
    await applyYaml(kube, rpt(ns, 'app', spec(ups[0]!)));
    const ctl: ControllerProcess = await startController(kube.kubeconfig, ['--allow-loopback-servers']);
    stops.push(() => ctl.stop());
    await eventually('routed to a', async () => ((await proxyGet(ctl.port, '/app')).body === 'a' ? true : undefined));

    // Steady traffic for the whole test: every answer must be a 200 from a or b.
    let running = true;
    const failures: string[] = [];
    let answered = 0;
    const traffic = (async () => {
      while (running) {
        const r = await proxyGet(ctl.port, '/app');
        if (r.status === 200 && (r.body === 'a' || r.body === 'b')) answered++;
        else failures.push(`${r.status} ${r.body}`);
        await new Promise((res) => setTimeout(res, 20));
      }
    })();

    await cp.stopApiServer();
    const down = Date.now();
    // A replica that starts now cannot sync: alive, serving no table, and not ready.
    const late = await runNode([CLI, 'controller', '--kubeconfig', kube.kubeconfig, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--allow-loopback-servers']);
    stops.push(() => late.stop());
    const listening = await late.waitForLog((l) => l.msg === 'listening');
    const lateAdmin = (listening['admin'] as { port: number }).port;
    const latePort = (listening['traffic'] as { port: number }).port;
    await late.waitForLog((l) => typeof l.msg === 'string' && l.msg.includes('API server unreachable'), 'an unreachable API server logged');
    expect((await fetch(`http://127.0.0.1:${lateAdmin}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${lateAdmin}/readyz`)).status).toBe(503);

    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - down))));
    expect((await fetch(`http://127.0.0.1:${lateAdmin}/readyz`)).status).toBe(503);
    const before = answered;
    await cp.startApiServer();
    const back = Date.now();
    expect(answered).toBeGreaterThan(before); // traffic flowed while the API server restarted
    await applyYaml(kube, rpt(ns, 'app', spec(ups[1]!)));

    await eventually('the running replica routes the change', async () => ((await proxyGet(ctl.port, '/app')).body === 'b' ? true : undefined), 30_000);
    const resyncedIn = Date.now() - back;
    await eventually('the late replica became ready', async () => ((await fetch(`http://127.0.0.1:${lateAdmin}/readyz`)).status === 200 ? true : undefined), 30_000);
    expect((await proxyGet(latePort, '/app')).body).toBe('b');
    const status = await eventually('status for generation 2', async () => {
      const s = (await getRpt(kube, ns, 'app')).status;
      return s?.observedGeneration === 2 ? s : undefined;
    }, 30_000);
    expect(status.serverSummary).toBe('1/1');

    running = false;
    await traffic;
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(OUTAGE_MS / 200); // well over one request per 200 ms
    expect(resyncedIn).toBeLessThan(30_000); // QUALITY.md: caches resync within 30 s of its return
    expect(ctl.logs.some((l) => l.msg === 'API server reachable again; watch restored')).toBe(true);
  }, 180_000);
});
