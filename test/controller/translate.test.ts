import { describe, expect, it } from 'vitest';
import { validateTarget } from '../../src/api/validate.ts';
import type { ReverseProxyTarget, SecretObject } from '../../src/api/types.ts';
import { translate } from '../../src/controller/translate.ts';

function rpt(name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}): ReverseProxyTarget {
  const { target, errors } = validateTarget({
    apiVersion: 'passthru.dev/v1alpha1',
    kind: 'ReverseProxyTarget',
    metadata: { name, namespace: 'apps', ...meta },
    spec: { servers: [{ host: `${name}.svc`, port: 9080 }], ...spec },
  });
  expect(errors).toEqual([]);
  return target!;
}

const secret = (name: string, data: Record<string, string>): SecretObject => ({
  metadata: { name, namespace: 'apps' },
  type: 'Opaque',
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)])),
});

describe('translate', () => {
  it('is deterministic: the same targets in any order give the same config', () => {
    const a = rpt('a', { contextRoots: ['/a'] });
    const b = rpt('b', { contextRoots: ['/b'], hosts: ['x.test', 'a.test'] });
    const one = translate({ targets: [a, b], secrets: [] });
    const two = translate({ targets: [b, a], secrets: [] });
    expect(two).toEqual(one);
    expect(one.config.targets.map((t) => t.id)).toEqual(['apps/a', 'apps/b']);
    expect(one.config.targets[1]?.hosts).toEqual(['a.test', 'x.test']);
  });

  it('gives a host + context root to the older target and names it in the loser\'s Conflict', () => {
    const older = rpt('zeta', { contextRoots: ['/shop'] }, { creationTimestamp: '2026-01-01T00:00:00Z' });
    const newer = rpt('alpha', { contextRoots: ['/shop', '/other'] }, { creationTimestamp: '2026-02-01T00:00:00Z' });
    const { config, statuses } = translate({ targets: [newer, older], secrets: [] });
    expect(config.targets.map((t) => t.id)).toEqual(['apps/zeta']);
    expect(statuses).toEqual([
      { id: 'apps/alpha', accepted: false, reason: 'Conflict', message: 'context root "/shop" (any host) is already served by ReverseProxyTarget apps/zeta' },
      { id: 'apps/zeta', accepted: true, reason: 'Valid', message: '' },
    ]);
  });

  it('breaks a tie in age by namespace/name, and does not let a rejected target block a third', () => {
    const a = rpt('a', { contextRoots: ['/x'], hosts: ['h.test'] });
    const b = rpt('b', { contextRoots: ['/x', '/y'], hosts: ['h.test'] });
    const c = rpt('c', { contextRoots: ['/y'], hosts: ['h.test'] });
    const { config } = translate({ targets: [c, b, a], secrets: [] });
    expect(config.targets.map((t) => t.id)).toEqual(['apps/a', 'apps/c']);
  });

  it('does not treat the same root on different hosts as a conflict', () => {
    const a = rpt('a', { contextRoots: ['/app'], hosts: ['a.test'] });
    const b = rpt('b', { contextRoots: ['/app'], hosts: ['b.test'] });
    const any = rpt('c', { contextRoots: ['/app'] });
    expect(translate({ targets: [a, b, any], secrets: [] }).statuses.every((s) => s.accepted)).toBe(true);
  });

  it('rejects a target whose connector Secret or key is missing, and keeps the rest', () => {
    const spec = { contextRoots: ['/ws'], headers: { connector: 'websphere', connectorSecretRef: { name: 'wsheaders', key: 'secret' } } };
    const ws = rpt('ws', spec);
    const plain = rpt('plain', { contextRoots: ['/p'] });
    expect(translate({ targets: [ws, plain], secrets: [] }).statuses).toEqual([
      { id: 'apps/plain', accepted: true, reason: 'Valid', message: '' },
      { id: 'apps/ws', accepted: false, reason: 'SecretNotFound', message: 'spec.headers.connectorSecretRef: Secret "wsheaders" not found in namespace "apps"' },
    ]);
    const wrongKey = translate({ targets: [ws], secrets: [secret('wsheaders', { other: 'x' })] });
    expect(wrongKey.statuses[0]?.message).toBe('spec.headers.connectorSecretRef: Secret "wsheaders" has no key "secret"');
    expect(translate({ targets: [ws], secrets: [secret('wsheaders', { secret: 's3cr3t' })] }).statuses[0]?.accepted).toBe(true);
  });

  it('rejects spec.service when no resolver is given (serve mode) with a hint', () => {
    const svc = rpt('svc', { contextRoots: ['/s'], servers: undefined, service: { name: 'liberty', port: 9080 } });
    const { statuses, config } = translate({ targets: [svc], secrets: [] });
    expect(config.targets).toEqual([]);
    expect(statuses[0]).toMatchObject({ reason: 'ServiceNotFound', message: expect.stringContaining('passthru controller') });
  });

  it('keys each server by protocol, host and port, and keeps route and weight', () => {
    const t = rpt('t', { contextRoots: ['/t'], servers: [{ host: 'fe80::1', port: 80, route: 'v6', weight: 7 }] });
    const server = translate({ targets: [t], secrets: [] }).config.targets[0]?.servers[0];
    expect(server).toEqual({ id: 'http://[fe80::1]:80', host: 'fe80::1', port: 80, route: 'v6', weight: 7, backup: false });
  });
});
