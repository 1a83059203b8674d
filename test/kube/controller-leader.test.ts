// Two replicas with --leader-elect on the real API server: both route traffic, exactly one
// (the Lease holder) writes status; killing it (SIGKILL: no release) hands leadership over
// within the 15 s lease, and a replica stopped with SIGTERM releases the lease at once.
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
  type ControllerProcess,
  type Kube,
} from '../controller/kube-harness.ts';

let kube: Kube;
let up: TestUpstream;
const running: ControllerProcess[] = [];

beforeAll(async () => {
  kube = sharedKube();
  await installCrds(kube);
  up = await startUpstream('a');
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

afterAll(async () => {
  await up.close();
});

const statusWrites = (c: ControllerProcess): number => c.logs.filter((l) => l.msg === 'status written').length;
const leads = (c: ControllerProcess): boolean => c.logs.some((l) => l.msg === 'became leader');

async function replica(ns: string): Promise<ControllerProcess> {
  const c = await startController(kube.kubeconfig, ['--namespace', ns, '--allow-loopback-servers', '--leader-elect', '--leader-elect-name', `passthru-${ns}`]);
  running.push(c);
  return c;
}

async function lease(ns: string): Promise<{ holderIdentity?: string; renewTime?: string; leaseTransitions?: number }> {
  return (JSON.parse(await kubectlOk(kube, ['get', 'lease', '-n', ns, `passthru-${ns}`, '-o', 'json'])) as { spec: never }).spec;
}

describe('leader election', () => {
  it('lets both replicas route, only the leader write status, and hands over within the lease when the leader dies', async () => {
    const ns = await newNamespace(kube, 'leader');
    const first = await replica(ns);
    await first.waitForLog((l) => l.msg === 'became leader', 'the first replica leading');
    const second = await replica(ns);
    expect((await lease(ns)).holderIdentity).toBe(first.logs.find((l) => l.msg === 'controller starting')?.['identity']);

    await applyYaml(kube, rpt(ns, 'app', `  contextRoots: [/app]\n  servers:\n    - {host: 127.0.0.1, port: ${up.port}}`));
    for (const c of [first, second]) {
      await eventually('each replica routes', async () => ((await proxyGet(c.port, '/app')).body === 'a' ? true : undefined));
    }
    await eventually('status written', async () => ((await getRpt(kube, ns, 'app')).status?.observedGeneration === 1 ? true : undefined));
    expect(statusWrites(first)).toBeGreaterThanOrEqual(1);
    expect(statusWrites(second)).toBe(0);
    expect(leads(second)).toBe(false);

    // The leader dies without a word: the other takes the lease once it runs out.
    const lastRenew = Date.parse((await lease(ns)).renewTime ?? '');
    first.child.kill('SIGKILL');
    const killed = Date.now();
    await second.waitForLog((l) => l.msg === 'became leader', 'the second replica leading');
    const handover = Date.now() - killed;
    // 15 s after the dead leader's last renewal (which was before the kill), plus API round trips.
    expect(Date.now() - lastRenew).toBeLessThan(15_000 + 1_000);
    expect(handover).toBeLessThan(15_000 + 1_000);
    expect(handover).toBeGreaterThan(10_000); // and not before the lease could have run out

    // The new leader writes: a change shows up in status, written by it alone.
    await applyYaml(kube, rpt(ns, 'app', `  contextRoots: [/app, /v2]\n  servers:\n    - {host: 127.0.0.1, port: ${up.port}}`));
    await eventually('status of generation 2', async () => ((await getRpt(kube, ns, 'app')).status?.observedGeneration === 2 ? true : undefined));
    expect(statusWrites(second)).toBeGreaterThanOrEqual(1);
    expect(await proxyGet(second.port, '/v2')).toMatchObject({ status: 200, body: 'a' });
  }, 60_000);

  it('releases the lease on SIGTERM, so another replica takes over at once', async () => {
    const ns = await newNamespace(kube, 'release');
    const first = await replica(ns);
    await first.waitForLog((l) => l.msg === 'became leader', 'the first replica leading');
    const second = await replica(ns);
    await second.waitForLog((l) => l.msg === 'leader election started');
    const stopped = Date.now();
    expect(await first.stop()).toBe(0);
    expect(first.logs.some((l) => l.msg === 'lease released')).toBe(true);
    await second.waitForLog((l) => l.msg === 'became leader', 'the second replica leading');
    expect(Date.now() - stopped).toBeLessThan(2_000 + 1_000); // one retry period, not a lease duration
    expect((await lease(ns)).leaseTransitions).toBe(1); // created (0), released, taken (1)
  }, 30_000);
});
