// spec.service: the servers behind a Service are its EndpointSlices' endpoints. Ready ones
// serve; terminating ones that still serve drain (their sticky sessions finish there, no new
// ones start). The port is matched by number or name on the Service, then by the Service
// port's name on each slice, as kube-proxy does. Pure: the cache and the golden tests turn
// API objects into these shapes with the same functions.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { ReverseProxyTarget, ServerSpec } from '../api/types.ts';
import { deriveRoute } from '../api/servers.ts';

export interface ServiceInfo {
  namespace: string;
  name: string;
  ports: Array<{ name: string; port: number }>;
}

export interface EndpointInfo {
  address: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** The pod behind the endpoint: what its route is derived from. */
  pod?: { namespace: string; name: string };
  hostname?: string;
}

export interface SliceInfo {
  namespace: string;
  name: string;
  serviceName: string;
  ports: Array<{ name: string; port: number }>;
  endpoints: EndpointInfo[];
}

export type ServiceResolution = { servers: ServerSpec[] } | { problem: string };

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A v1 Service as the API (or a manifest) has it; undefined when it is not one. */
export function toServiceInfo(raw: unknown): ServiceInfo | undefined {
  const meta = obj(obj(raw).metadata);
  if (!str(meta.name)) return undefined;
  const ports = arr(obj(obj(raw).spec).ports)
    .map(obj)
    .filter((p) => typeof p.port === 'number')
    .map((p) => ({ name: str(p.name), port: p.port as number }));
  return { namespace: str(meta.namespace) || 'default', name: str(meta.name), ports };
}

/** A discovery.k8s.io/v1 EndpointSlice; undefined when it names no Service. */
export function toSliceInfo(raw: unknown): SliceInfo | undefined {
  const o = obj(raw);
  const meta = obj(o.metadata);
  const serviceName = str(obj(meta.labels)[SERVICE_NAME_LABEL]);
  if (!str(meta.name) || !serviceName) return undefined;
  const namespace = str(meta.namespace) || 'default';
  const ports = arr(o.ports)
    .map(obj)
    .filter((p) => typeof p.port === 'number' && (p.protocol === undefined || p.protocol === 'TCP'))
    .map((p) => ({ name: str(p.name), port: p.port as number }));
  const endpoints: EndpointInfo[] = [];
  for (const e of arr(o.endpoints).map(obj)) {
    const address = str(arr(e.addresses)[0]); // all addresses of an endpoint are fungible
    if (!address) continue;
    const c = obj(e.conditions);
    // API semantics: an unset `ready` means ready; an unset `serving` follows `ready`.
    const ready = c.ready !== false;
    const endpoint: EndpointInfo = {
      address,
      ready,
      serving: typeof c.serving === 'boolean' ? c.serving : ready,
      terminating: c.terminating === true,
    };
    const ref = obj(e.targetRef);
    if (str(ref.kind) === 'Pod' && str(ref.name)) endpoint.pod = { namespace: str(ref.namespace) || namespace, name: str(ref.name) };
    if (str(e.hostname)) endpoint.hostname = str(e.hostname);
    endpoints.push(endpoint);
  }
  return { namespace, name: str(meta.name), serviceName, ports, endpoints };
}

/**
 * A route for an endpoint that is stable for the pod's life and opaque (it travels in a
 * cookie): a hash of the pod's name, never its IP.
 */
export function podRoute(namespace: string, name: string): string {
  return `r${createHash('sha256').update(`${namespace}/${name}`).digest('hex').slice(0, 10)}`;
}

export function serviceResolver(
  services: readonly ServiceInfo[],
  slices: readonly SliceInfo[],
): (target: ReverseProxyTarget) => ServiceResolution {
  const byName = new Map(services.map((s) => [`${s.namespace}/${s.name}`, s]));
  const slicesOf = new Map<string, SliceInfo[]>();
  for (const slice of slices) {
    const key = `${slice.namespace}/${slice.serviceName}`;
    slicesOf.set(key, [...(slicesOf.get(key) ?? []), slice]);
  }
  return (target) => {
    const ref = target.spec.service;
    const ns = target.metadata.namespace;
    if (!ref) return { problem: 'spec.service is not set' };
    const key = `${ns}/${ref.name}`;
    const service = byName.get(key);
    if (!service) return { problem: `spec.service: Service "${ref.name}" not found in namespace "${ns}"` };
    let portName: string;
    let fallbackPort: number | undefined;
    if (typeof ref.port === 'number') {
      const p = service.ports.find((x) => x.port === ref.port);
      if (!p && service.ports.length > 0) {
        return { problem: `spec.service.port: Service "${ref.name}" has no port ${ref.port} (it has ${portList(service)})` };
      }
      portName = p?.name ?? '';
      // A headless Service without ports: the endpoints listen on the port the target names.
      fallbackPort = p ? undefined : ref.port;
    } else {
      const p = service.ports.find((x) => x.name === ref.port);
      if (!p) return { problem: `spec.service.port: Service "${ref.name}" has no port named "${ref.port}" (it has ${portList(service)})` };
      portName = p.name;
    }
    const found = new Map<string, ServerSpec>();
    for (const slice of slicesOf.get(key) ?? []) {
      const port = slice.ports.find((p) => p.name === portName)?.port ?? (slice.ports.length === 0 ? fallbackPort : undefined);
      if (port === undefined) continue;
      for (const e of slice.endpoints) {
        const active = e.ready && !e.terminating;
        const draining = e.terminating && e.serving;
        if (!active && !draining) continue;
        const id = `${e.address}\u0000${port}`;
        const prev = found.get(id);
        if (prev && prev.adminState === undefined) continue; // the same endpoint ready in another slice wins
        const route = e.pod ? podRoute(e.pod.namespace, e.pod.name) : deriveRoute(e.hostname ?? e.address, port);
        const server: ServerSpec = { host: e.address, port, route, routeDerived: true, weight: 1, backup: false };
        if (draining) server.adminState = 'draining';
        found.set(id, server);
      }
    }
    // A dual-stack Service lists each pod in an IPv4 and an IPv6 slice: one server per pod
    // (route), IPv4 first, so that a session's route names exactly one server.
    const sorted = [...found.values()].sort((a, b) => isIP(a.host) - isIP(b.host) || cmp(a.host, b.host) || a.port - b.port);
    const byRoute = new Map<string, ServerSpec>();
    for (const s of sorted) {
      const prev = byRoute.get(s.route);
      if (!prev || (prev.adminState !== undefined && s.adminState === undefined)) byRoute.set(s.route, s);
    }
    const servers = [...byRoute.values()].sort((a, b) => cmp(a.host, b.host) || a.port - b.port);
    return { servers };
  };
}

function portList(s: ServiceInfo): string {
  if (s.ports.length === 0) return 'no ports';
  return s.ports.map((p) => (p.name ? `${p.port} (${p.name})` : String(p.port))).join(', ');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
