// Name formats shared by the validators. Each check returns an error message, or
// undefined when the value is fine, so callers can attach it to the right field path.

import { isIP } from 'node:net';

// Exported for the CRD schema (src/api/crd), which writes the same formats for the API server.
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/** RFC 7230 token: header names and cookie names. */
export const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
export const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
export const MAX_LABEL = 63;
export const MAX_SUBDOMAIN = 253;
export const MAX_SECRET_KEY = 253;
export const MAX_SERVICE_PORT_NAME = 15;

export function show(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

export function isDns1123Label(s: string): boolean {
  return s.length <= MAX_LABEL && DNS1123_LABEL.test(s);
}

export function isDns1123Subdomain(s: string): boolean {
  return s.length <= MAX_SUBDOMAIN && s.split('.').every(isDns1123Label);
}

export function checkDns1123Subdomain(s: string): string | undefined {
  if (isDns1123Subdomain(s)) return undefined;
  return `must be a lower-case DNS name (letters, digits, "-" and ".", at most 253 characters, like "my-app"), got ${show(s)}`;
}

export function checkDns1123Label(s: string): string | undefined {
  if (isDns1123Label(s)) return undefined;
  return `must be a lower-case DNS label (letters, digits and "-", at most 63 characters, like "my-namespace"), got ${show(s)}`;
}

export function checkDns1035Label(s: string): string | undefined {
  if (s.length <= MAX_LABEL && DNS1035_LABEL.test(s)) return undefined;
  return `must be a lower-case DNS label starting with a letter (letters, digits and "-", at most 63 characters), got ${show(s)}`;
}

export function checkIanaServiceName(s: string): string | undefined {
  if (s.length <= MAX_SERVICE_PORT_NAME && IANA_SVC_NAME.test(s) && /[a-z]/.test(s) && !s.includes('--')) return undefined;
  return `must be a port number from 1 to 65535 or a named port (lower-case letters, digits and "-", at most 15 characters), got ${show(s)}`;
}

export function checkToken(s: string, what: string): string | undefined {
  if (TOKEN.test(s)) return undefined;
  return `must be a valid ${what} (letters, digits and !#$%&'*+.^_\`|~-, no spaces), got ${show(s)}`;
}

export function checkSecretKey(s: string): string | undefined {
  if (s.length <= MAX_SECRET_KEY && SECRET_KEY.test(s)) return undefined;
  return `must be a Secret key (letters, digits, "-", "_" and "."), got ${show(s)}`;
}

/** Header values and similar text that ends up on the wire must not split lines. */
export function checkHeaderValue(s: string): string | undefined {
  if (/[\r\n\0]/.test(s)) return 'must not contain CR, LF or NUL characters';
  return undefined;
}

function hostShapeError(s: string): string | undefined {
  if (s.includes('://')) return `must be a host name without a scheme, got ${show(s)}`;
  if (s.includes('/')) return `must be a host name without a path, got ${show(s)}`;
  if (s.includes(':')) return `must be a host name without a port, got ${show(s)}`;
  return undefined;
}

/** A `spec.hosts` entry, already lower-cased: a DNS name or "*." + a DNS name. */
export function checkRouteHost(s: string): string | undefined {
  if (s === '*') return 'must not be "*"; leave hosts empty to match any host';
  const shape = hostShapeError(s);
  if (shape !== undefined) return shape;
  const name = s.startsWith('*.') ? s.slice(2) : s;
  if (name.includes('*')) return `a wildcard must be the whole first label, like "*.example.com", got ${show(s)}`;
  if (!isDns1123Subdomain(name)) {
    return `must be a lower-case DNS name like "apps.example.com" or a wildcard like "*.example.com", got ${show(s)}`;
  }
  return undefined;
}

/**
 * What Kubernetes' IP validation refuses and Node's isIP accepts: a zone ("fe80::1%eth0") is
 * meaningless off the host that wrote it, and an IPv4-mapped address should be written as IPv4.
 */
function ipv6Problem(ip: string): { error: string } | undefined {
  if (ip.includes('%')) return { error: `must not carry a zone ("%..."), got ${show(ip)}` };
  if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip)) return { error: `must be written as the IPv4 address, not IPv4-mapped IPv6, got ${show(ip)}` };
  return undefined;
}

/** A server address: DNS name or IP literal; IPv6 may come in brackets and is stored bare. */
export function normaliseServerHost(raw: string): { host?: string; error?: string } {
  if (raw.startsWith('[') && raw.endsWith(']')) {
    const inner = raw.slice(1, -1);
    if (isIP(inner) === 6) return ipv6Problem(inner) ?? { host: inner.toLowerCase() };
    return { error: `must be an IPv6 address inside brackets, got ${show(raw)}` };
  }
  if (isIP(raw) === 6) return ipv6Problem(raw) ?? { host: raw.toLowerCase() };
  if (isIP(raw) !== 0) return { host: raw.toLowerCase() };
  const s = raw.toLowerCase();
  const shape = hostShapeError(s);
  if (shape !== undefined) return { error: shape };
  // A trailing dot (fully qualified, skipping the resolver's search list) is legitimate here.
  const name = s.endsWith('.') ? s.slice(0, -1) : s;
  if (!isDns1123Subdomain(name)) {
    return { error: `must be a DNS name like "liberty-0.liberty.apps.svc" or an IP address, got ${show(raw)}` };
  }
  return { host: s };
}
