// Which server addresses a controller refuses: in a cluster, whoever can write a
// ReverseProxyTarget (or an EndpointSlice) must not be able to point the ingress at itself,
// at the node's loopback services, or at link-local metadata endpoints (169.254.169.254).
// Names are checked as written; only "localhost" names are known to be loopback without
// asking DNS, which translate (pure) does not do.
import { BlockList, isIP } from 'node:net';

export interface AddressPolicy {
  /** --allow-loopback-servers: loopback and link-local are allowed (tests, sidecars). */
  allowLoopback: boolean;
  /** This process's own addresses and traffic/admin ports: never a server, flag or not. */
  selfAddresses: readonly string[];
  selfPorts: readonly number[];
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');
// Connecting to the unspecified address reaches this host, as loopback does.
loopback.addSubnet('0.0.0.0', 8, 'ipv4');
loopback.addAddress('::', 'ipv6');

const linkLocal = new BlockList();
linkLocal.addSubnet('169.254.0.0', 16, 'ipv4');
linkLocal.addSubnet('fe80::', 10, 'ipv6');

function family(host: string): 'ipv4' | 'ipv6' | undefined {
  const v = isIP(host);
  return v === 4 ? 'ipv4' : v === 6 ? 'ipv6' : undefined;
}

function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/** Why this server may not be used, or undefined when it may. */
export function refusedAddress(host: string, port: number, policy: AddressPolicy): string | undefined {
  const fam = family(host);
  const isLoopback = fam ? loopback.check(host, fam) : isLocalhostName(host);
  const isSelf =
    policy.selfPorts.includes(port) && (isLoopback || policy.selfAddresses.some((a) => a.toLowerCase() === host.toLowerCase()));
  if (isSelf) return `${show(host, port)} is this passthru's own traffic or admin port`;
  if (policy.allowLoopback) return undefined;
  if (isLoopback) return `${show(host, port)} is a loopback address (passthru controller refuses loopback and link-local servers unless --allow-loopback-servers is set)`;
  if (fam && linkLocal.check(host, fam)) {
    return `${show(host, port)} is a link-local address (passthru controller refuses loopback and link-local servers unless --allow-loopback-servers is set)`;
  }
  return undefined;
}

function show(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
