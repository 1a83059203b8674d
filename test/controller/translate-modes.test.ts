// What translate does the same in both modes (the durable drain) and what only Kubernetes
// mode does (refusing loopback servers); the golden files cover the rest.
import { describe, expect, it } from 'vitest';
import { validateTarget } from '../../src/api/validate.ts';
import { translate } from '../../src/controller/translate.ts';

function rpt(annotations?: Record<string, unknown>) {
  const { target, errors } = validateTarget({
    apiVersion: 'passthru.dev/v1alpha1',
    kind: 'ReverseProxyTarget',
    metadata: { name: 'app', namespace: 'apps', ...(annotations ? { annotations } : {}) },
    spec: { contextRoots: ['/app'], servers: [{ host: '127.0.0.1', port: 8081, route: 'a' }, { host: '127.0.0.1', port: 8082, route: 'b' }] },
  });
  return { target, errors };
}

describe('translate in serve and controller mode', () => {
  it('drains and disables servers named by the passthru.dev annotations in serve mode too', () => {
    const { target } = rpt({ 'passthru.dev/drain': 'a', 'passthru.dev/disable': 'b', 'example.com/other': 'kept out' });
    expect(target!.metadata.annotations).toEqual({ 'passthru.dev/drain': 'a', 'passthru.dev/disable': 'b' });
    const { config } = translate({ targets: [target!], secrets: [] });
    expect(config.targets[0]!.servers.map((s) => [s.route, s.adminState])).toEqual([['a', 'draining'], ['b', 'disabled']]);
  });

  it('refuses annotation values that are not strings, as the API server would', () => {
    expect(rpt({ 'passthru.dev/drain': 3 }).errors).toEqual([
      { path: 'metadata.annotations["passthru.dev/drain"]', message: 'must be a string, got 3 (quote it in YAML)' },
    ]);
  });

  it('serves loopback servers in serve mode and refuses them in Kubernetes mode unless allowed', () => {
    const { target } = rpt();
    expect(translate({ targets: [target!], secrets: [] }).statuses[0]!.accepted).toBe(true);
    const policy = { allowLoopback: false, selfAddresses: [], selfPorts: [8080] };
    expect(translate({ targets: [target!], secrets: [], addressPolicy: policy }).statuses[0]).toMatchObject({ accepted: false, reason: 'Invalid' });
    const allowed = translate({ targets: [target!], secrets: [], addressPolicy: { ...policy, allowLoopback: true } });
    expect(allowed.statuses[0]!.accepted).toBe(true);
  });
});
