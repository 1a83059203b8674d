// The durable drain end to end on a real data plane: passthru.dev/drain and passthru.dev/disable
// (through validate and translate, as both modes read them) take servers out of rotation in
// the health registry, which the proxy and the status both follow; removing the annotation
// brings them back. Needs the registry to apply ServerConfig.adminState (see the report).
import { afterEach, describe, expect, it } from 'vitest';
import { validateTarget } from '../../src/api/validate.ts';
import { translate } from '../../src/controller/translate.ts';
import { request, startPlane, type TestPlane } from '../helpers/plane.ts';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

function apply(plane: TestPlane, ups: TestUpstream[], annotations: Record<string, string>): void {
  const { target, errors } = validateTarget({
    apiVersion: 'passthru.dev/v1alpha1',
    kind: 'ReverseProxyTarget',
    metadata: { name: 'app', namespace: 'ns', annotations },
    spec: {
      contextRoots: ['/app'],
      servers: ups.map((u) => ({ host: '127.0.0.1', port: u.port, route: u.name })),
      stickySession: { cookie: 'JSESSIONID' },
    },
  });
  expect(errors).toEqual([]);
  plane.plane.apply(translate({ targets: [target!], secrets: [] }));
}

const states = (plane: TestPlane): string[] => plane.plane.status().targets[0]!.servers.map((s) => `${s.route}:${s.state}`);

async function served(plane: TestPlane, n: number, cookie?: string): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await request(plane.port, { path: '/app', headers: cookie ? { cookie } : {} });
    out.push(r.status === 200 ? r.body : String(r.status));
  }
  return out;
}

describe('passthru.dev/drain and passthru.dev/disable', () => {
  it('drain keeps a server for its sessions only, disable takes it out, and removing the annotations restores both', async () => {
    const ups = await Promise.all(['a', 'b', 'c'].map((n) => startUpstream(n)));
    open.push(...ups);
    const plane = await startPlane();
    open.push(plane);

    apply(plane, ups, { 'passthru.dev/drain': 'a', 'passthru.dev/disable': 'b' });
    expect(states(plane)).toEqual(['a:draining', 'b:disabled', 'c:healthy']);
    expect(new Set(await served(plane, 6))).toEqual(new Set(['c']));
    expect(await served(plane, 2, 'JSESSIONID=xyz.a')).toEqual(['a', 'a']); // a session pinned to a drains there
    expect(await served(plane, 2, 'JSESSIONID=xyz.b')).toEqual(['c', 'c']); // b takes nothing

    apply(plane, ups, {});
    expect(states(plane)).toEqual(['a:healthy', 'b:healthy', 'c:healthy']);
    expect(new Set(await served(plane, 6))).toEqual(new Set(['a', 'b', 'c']));
  });

  it('wins over the admin API\'s runtime override while set, and leaves that override in place when removed', async () => {
    const ups = await Promise.all(['a', 'b'].map((n) => startUpstream(n)));
    open.push(...ups);
    const plane = await startPlane();
    open.push(plane);
    apply(plane, ups, {});
    plane.plane.health.setOverride('ns/app', 'b', 'draining'); // what POST .../servers/b/drain does
    apply(plane, ups, { 'passthru.dev/disable': 'b' });
    expect(states(plane)).toEqual(['a:healthy', 'b:disabled']);
    apply(plane, ups, {});
    expect(states(plane)).toEqual(['a:healthy', 'b:draining']);
  });
});
