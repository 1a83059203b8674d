import { describe, expect, it } from 'vitest';
import type { ReverseProxyTarget } from '../../src/api/types.ts';
import { validateTarget } from '../../src/api/validate.ts';
import { podRoute, serviceResolver, toServiceInfo, toSliceInfo, type ServiceResolution } from '../../src/controller/endpoints.ts';

function target(port: number | string): ReverseProxyTarget {
  const { target } = validateTarget({
    apiVersion: 'passthru.dev/v1alpha1',
    kind: 'ReverseProxyTarget',
    metadata: { name: 't', namespace: 'apps' },
    spec: { contextRoots: ['/'], service: { name: 'svc', port } },
  });
  return target!;
}

function slice(name: string, addressType: string, ports: unknown[], endpoints: unknown[]): unknown {
  return { metadata: { name, namespace: 'apps', labels: { 'kubernetes.io/service-name': 'svc' } }, addressType, ports, endpoints };
}

function resolve(svcPorts: unknown[], slices: unknown[], port: number | string): ServiceResolution {
  const svc = toServiceInfo({ metadata: { name: 'svc', namespace: 'apps' }, spec: { ports: svcPorts } })!;
  return serviceResolver([svc], slices.map((s) => toSliceInfo(s)!))(target(port));
}

describe('servers from EndpointSlices', () => {
  it('gives a dual-stack pod one server (IPv4), so its route names exactly one', () => {
    const pod = { kind: 'Pod', name: 'web-0' };
    const r = resolve(
      [{ name: 'http', port: 80 }],
      [
        slice('v6', 'IPv6', [{ name: 'http', port: 8080 }], [{ addresses: ['fd00::10'], targetRef: pod }]),
        slice('v4', 'IPv4', [{ name: 'http', port: 8080 }], [{ addresses: ['10.0.0.10'], targetRef: pod }]),
      ],
      80,
    );
    expect(r).toEqual({ servers: [{ host: '10.0.0.10', port: 8080, route: podRoute('apps', 'web-0'), routeDerived: true, weight: 1, backup: false }] });
  });

  it('uses the target port for a headless Service that declares no ports', () => {
    const r = resolve([], [slice('s', 'IPv4', [], [{ addresses: ['10.0.0.11'], hostname: 'db-0' }])], 5432);
    expect(r).toMatchObject({ servers: [{ host: '10.0.0.11', port: 5432 }] });
  });

  it('ignores UDP ports and slices without the wanted port name', () => {
    const r = resolve(
      [{ name: 'dns', port: 53 }],
      [slice('s', 'IPv4', [{ name: 'dns', port: 53, protocol: 'UDP' }], [{ addresses: ['10.0.0.12'] }])],
      'dns',
    );
    expect(r).toEqual({ servers: [] });
  });

  it('derives a route from the pod, not the address: a new IP for the same pod keeps the route', () => {
    const make = (ip: string): ServiceResolution =>
      resolve([{ port: 80 }], [slice('s', 'IPv4', [{ port: 80 }], [{ addresses: [ip], targetRef: { kind: 'Pod', name: 'app-7' } }])], 80);
    const a = make('10.0.0.1') as { servers: Array<{ route: string }> };
    const b = make('10.0.0.2') as { servers: Array<{ route: string }> };
    expect(a.servers[0]!.route).toBe(b.servers[0]!.route);
    expect(a.servers[0]!.route).not.toContain('10');
    expect(a.servers[0]!.route).toMatch(/^r[0-9a-f]{10}$/);
  });
});
