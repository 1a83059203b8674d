// spec.servers (static upstreams) and spec.service (Kubernetes endpoints): where requests go.

import { createHash } from 'node:crypto';
import type { Protocol, ServerSpec, ServiceRef } from './types.ts';
import { Fields } from './fields.ts';
import { checkDns1035Label, checkIanaServiceName, normaliseServerHost, show } from './names.ts';

export const MAX_SERVERS = 64;
export const SERVER_FIELDS = ['host', 'port', 'route', 'weight', 'backup'] as const;
export const SERVICE_FIELDS = ['name', 'port'] as const;
/** The route is the text after the last "." of a session cookie, so it must not contain one. */
export const ROUTE = /^[A-Za-z0-9_-]{1,64}$/;
export const PORT = { min: 1, max: 65535 };
/** Apache's "loadfactor". */
export const WEIGHT = { min: 1, max: 100, default: 1 };

/**
 * The route id of a server whose manifest names none: stable across restarts and
 * replicas, and opaque, since it travels in a cookie and must not reveal the address.
 */
export function deriveRoute(host: string, port: number): string {
  return `r${createHash('sha256').update(`${host}:${port}`).digest('hex').slice(0, 10)}`;
}

export function defaultPort(protocol: Protocol): number {
  return protocol === 'https' ? 443 : 80;
}

function readServer(spec: Fields, raw: unknown, i: number, port: number): ServerSpec | undefined {
  const f = Fields.open(spec.issues, raw, [...spec.at('servers'), i], SERVER_FIELDS);
  if (f === undefined) return undefined;
  let host: string | undefined;
  if (f.required('host')) {
    const text = f.string('host');
    if (text !== undefined) {
      const r = normaliseServerHost(text);
      if (r.error !== undefined) f.error('host', r.error);
      host = r.host;
    }
  }
  const serverPort = f.int('port', PORT, port);
  const weight = f.int('weight', WEIGHT, WEIGHT.default);
  const backup = f.bool('backup', false);
  const route = f.string('route', (s) =>
    ROUTE.test(s) ? undefined : `must be 1 to 64 letters, digits, "-" or "_" (it is sent in a cookie), got ${show(s)}`,
  );
  if (host === undefined) return undefined;
  if (route !== undefined) return { host, port: serverPort, route, routeDerived: false, weight, backup };
  return { host, port: serverPort, route: deriveRoute(host, serverPort), routeDerived: true, weight, backup };
}

export function readServers(spec: Fields, port: number): ServerSpec[] | undefined {
  const list = spec.list('servers', { min: 1, max: MAX_SERVERS });
  if (list === undefined) return undefined;
  const out: ServerSpec[] = [];
  const byAddress = new Map<string, number>();
  const byRoute = new Map<string, number>();
  list.forEach((raw, i) => {
    const server = readServer(spec, raw, i, port);
    if (server === undefined) return;
    const path = [...spec.at('servers'), i];
    // Bracket IPv6 so "::1" port 80 and "::1:80" cannot be confused in the key or the message.
    const address = `${server.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}`;
    const sameAddress = byAddress.get(address);
    if (sameAddress !== undefined) {
      spec.issues.add([...path, 'host'], `duplicate server ${address}, same as spec.servers[${sameAddress}]`);
      return;
    }
    byAddress.set(address, i);
    const sameRoute = byRoute.get(server.route);
    if (sameRoute !== undefined) {
      const what = server.routeDerived ? 'derived route' : 'duplicate route';
      spec.issues.add(
        [...path, 'route'],
        `${what} ${show(server.route)} is already used by spec.servers[${sameRoute}]; routes must be unique`,
      );
      return;
    }
    byRoute.set(server.route, i);
    out.push(server);
  });
  return out;
}

export function readService(spec: Fields): ServiceRef | undefined {
  const f = spec.object('service', SERVICE_FIELDS);
  if (f === undefined) return undefined;
  const name = f.required('name') ? f.string('name', checkDns1035Label) : undefined;
  let port: number | string | undefined;
  if (f.required('port')) {
    const v = f.get('port');
    if (typeof v === 'string') port = f.string('port', checkIanaServiceName);
    else if (typeof v === 'number' && Number.isInteger(v) && v >= PORT.min && v <= PORT.max) port = v;
    else f.error('port', `must be a port number from 1 to 65535 or a named port like "http", got ${show(v)}`);
  }
  if (name === undefined || port === undefined) return undefined;
  return { name, port };
}
