// spec.servers, spec.service, spec.hosts and spec.contextRoots as the API server checks them.
// Typed as Record<field list from src/api, Schema>, so a field added to the validator and not
// here (or the other way round) fails `tsc`.

import { MAX_CONTEXT_ROOTS, MAX_HOSTS } from '../matching.ts';
import { MAX_SERVERS, PORT, ROUTE, SERVER_FIELDS, SERVICE_FIELDS, WEIGHT } from '../servers.ts';
import { IANA_SVC_NAME, MAX_SERVICE_PORT_NAME, MAX_SUBDOMAIN } from '../names.ts';
import { celString, dns1035Label, re2, ROUTE_HOST, SERVER_DNS } from './formats.ts';
import type { Schema } from './schema-types.ts';

/** validate.ts has no limit; CEL's cost estimate needs one, and no real path comes near it. */
import { MAX_CONTEXT_ROOT_LENGTH } from '../limits.ts';
export { MAX_CONTEXT_ROOT_LENGTH };
/** A DNS name of 253 characters plus its optional trailing dot; IP literals are shorter. */
const MAX_SERVER_HOST_LENGTH = MAX_SUBDOMAIN + 1;
const MAX_ROUTE_LENGTH = 64;

export function port(description: string): Schema {
  return { type: 'integer', description, minimum: PORT.min, maximum: PORT.max };
}

export const hosts: Schema = {
  type: 'array',
  description: 'Host names this target answers for; absent or [] = any host. "*.example.com" matches one label.',
  maxItems: MAX_HOSTS,
  items: {
    type: 'string',
    maxLength: MAX_SUBDOMAIN + 2,
    'x-kubernetes-validations': [
      { rule: `self != '*'`, message: 'must not be "*"; leave hosts empty to match any host' },
      {
        rule: `self == '*' || (self.matches(${celString(ROUTE_HOST)}) && size(self) <= (self.startsWith('*.') ? ${MAX_SUBDOMAIN + 2} : ${MAX_SUBDOMAIN}))`,
        message: 'must be a DNS name like "apps.example.com" or a wildcard like "*.example.com" (no scheme, port or path)',
      },
    ],
  },
  'x-kubernetes-validations': [
    {
      rule: 'self.all(h, self.exists_one(o, o.lowerAscii() == h.lowerAscii()))',
      message: 'must not list the same host twice (host names ignore case)',
    },
  ],
};

// A context root stored without its trailing "/" ("/app/" is "/app"), as normaliseContextRoot does.
const normalised = (v: string) => `(size(${v}) > 1 && ${v}.endsWith('/') ? ${v}.substring(0, size(${v}) - 1) : ${v})`;

export const contextRoots: Schema = {
  type: 'array',
  description: 'Paths this target answers on: "/app" matches /app, /app/ and /app/x, never /apple. "/" is the catch-all.',
  minItems: 1,
  maxItems: MAX_CONTEXT_ROOTS,
  items: {
    type: 'string',
    maxLength: MAX_CONTEXT_ROOT_LENGTH,
    // In checkContextRoot's order; each guarded so one mistake gives one message.
    'x-kubernetes-validations': [
      { rule: `self.startsWith('/')`, message: 'must start with "/", like "/app"' },
      {
        rule: `self.matches(${celString('^[\\x21-\\x7e]*$')})`,
        message: 'must be ASCII without whitespace or control characters (percent-encode others)',
      },
      { rule: `!self.contains('?')`, message: 'must be a path without a query ("?")' },
      { rule: `!self.contains('#')`, message: 'must be a path without a fragment ("#")' },
      { rule: `!self.contains('//')`, message: 'must not contain "//"' },
      {
        rule: `!self.matches('(^|/)[.][.]?(/|$)')`,
        message: 'must not contain "." or ".." segments',
      },
    ],
  },
  'x-kubernetes-validations': [
    {
      rule: `self.all(r, self.exists_one(o, ${normalised('o')} == ${normalised('r')}))`,
      message: 'must not list the same context root twice ("/app" and "/app/" are the same)',
    },
  ],
};

const server: Record<(typeof SERVER_FIELDS)[number], Schema> = {
  host: {
    type: 'string',
    description: 'DNS name or IP address (IPv6 bare or in brackets).',
    maxLength: MAX_SERVER_HOST_LENGTH,
    'x-kubernetes-validations': [
      {
        rule:
          'isIP(self) || ' +
          "(size(self) > 2 && self.startsWith('[') && self.endsWith(']') && isIP(self.substring(1, size(self) - 1)) && ip(self.substring(1, size(self) - 1)).family() == 6) || " +
          `(self.matches(${celString(SERVER_DNS)}) && size(self) <= (self.endsWith('.') ? ${MAX_SUBDOMAIN + 1} : ${MAX_SUBDOMAIN}))`,
        message: 'must be a DNS name like "liberty-0.liberty.apps.svc" or an IP address (no scheme, port or path)',
      },
    ],
  },
  port: port('Port of this server; default spec.port, else 80 (http) or 443 (https).'),
  route: {
    type: 'string',
    description: 'Sticky-session route id, unique in the target; default derived from host:port (never the address).',
    // The pattern says 64 too; CEL's cost estimate reads only maxLength.
    maxLength: MAX_ROUTE_LENGTH,
    pattern: re2(ROUTE),
  },
  weight: {
    type: 'integer',
    description: 'Share of the traffic ("loadfactor").',
    minimum: WEIGHT.min,
    maximum: WEIGHT.max,
    default: WEIGHT.default,
  },
  backup: { type: 'boolean', description: 'Hot standby: used only when no regular server can take the request.', default: false },
};

export const servers: Schema = {
  type: 'array',
  description: 'Fixed upstream servers; exactly one of servers and service.',
  minItems: 1,
  maxItems: MAX_SERVERS,
  items: { type: 'object', required: ['host'], properties: server },
  'x-kubernetes-validations': [
    {
      rule: 'self.all(a, !has(a.route) || self.exists_one(b, has(b.route) && b.route == a.route))',
      message: 'routes must be unique; two servers have the same route',
    },
  ],
};

/**
 * Servers are the same when host (case and IPv6 brackets aside) and effective port are; the
 * port defaults from spec, so this rule sits on spec, not on the list. Written with
 * substring, not replace: CEL's cost estimate assumes replace may grow the string.
 */
const serverHost = (s: string) =>
  `(size(${s}.host) > 1 && ${s}.host.startsWith('[') ? ${s}.host.substring(1, size(${s}.host) - 1) : ${s}.host).lowerAscii()`;
const serverPort = (s: string) =>
  `(has(${s}.port) ? ${s}.port : has(self.port) ? self.port : self.protocol == 'https' ? 443 : 80)`;

export const uniqueServerAddresses = {
  rule: `!has(self.servers) || self.servers.all(a, self.servers.exists_one(b, ${serverPort('b')} == ${serverPort('a')} && ${serverHost('b')} == ${serverHost('a')}))`,
  message: 'must not list the same server (host and port) twice',
  fieldPath: '.servers',
};

const serviceFields: Record<(typeof SERVICE_FIELDS)[number], Schema> = {
  name: dns1035Label('Name of a Service in the same namespace.'),
  port: {
    description: 'Service port: number or name.',
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
    'x-kubernetes-validations': [
      {
        rule:
          `type(self) == int ? self >= ${PORT.min} && self <= ${PORT.max} : ` +
          `size(self) <= ${MAX_SERVICE_PORT_NAME} && self.matches(${celString(re2(IANA_SVC_NAME))}) && self.matches('[a-z]') && !self.contains('--')`,
        message: 'must be a port number from 1 to 65535 or a named port like "http" (lower-case, at most 15 characters)',
      },
    ],
  },
};

export const service: Schema = {
  type: 'object',
  description: 'Kubernetes mode: the servers are the ready endpoints of this Service.',
  required: ['name', 'port'],
  properties: serviceFields,
};
