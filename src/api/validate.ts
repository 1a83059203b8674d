// Validation and defaulting of ReverseProxyTarget manifests: raw JSON (from YAML or the
// API server) in, the normalised object of types.ts out, or every problem found.
// The rules live here once; the CRD schema is derived from and checked against them.

import {
  API_VERSION,
  KIND,
  type BalancingMethod,
  type FieldError,
  type Protocol,
  type ReverseProxyTarget,
  type ReverseProxyTargetSpec,
  type StickySessionSpec,
} from './types.ts';
import { Fields, Issues, isObject } from './fields.ts';
import { checkTypeMeta, validateMetadata } from './metadata.ts';
import { readContextRoots, readHosts } from './matching.ts';
import { defaultPort, readServers, readService } from './servers.ts';
import { readHealthCheck, readOutlierDetection } from './health.ts';
import { readHeaders, readRewrite } from './http-rules.ts';
import { checkDns1123Subdomain, checkToken, show } from './names.ts';

export { validateSecret } from './secret.ts';

export const TOP_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec', 'status'] as const;
export const SPEC_FIELDS = [
  'hosts',
  'contextRoots',
  'port',
  'protocol',
  'servers',
  'service',
  'loadBalancing',
  'stickySession',
  'healthCheck',
  'outlierDetection',
  'timeouts',
  'retries',
  'headers',
  'rewrite',
  'tls',
] as const;
export const PROTOCOLS: readonly Protocol[] = ['http', 'https'];
export const METHODS: readonly BalancingMethod[] = ['byRequests', 'byTraffic', 'byBusyness'];
export const STICKY_FIELDS = ['cookie', 'insert', 'noFailover'] as const;
export const TIMEOUTS_FIELDS = ['connect', 'response', 'idle'] as const;
/** What a spec leaves out; the CRD schema carries the same defaults. */
export const SPEC_DEFAULTS = {
  protocol: 'http',
  method: 'byRequests',
  timeouts: { connectMs: 5000, responseMs: 60_000, idleMs: 300_000 },
  retryAttempts: 2,
  sticky: { insert: false, noFailover: false },
} as const;
export const RETRY_ATTEMPTS = { min: 0, max: 10 };

function readSticky(spec: Fields): StickySessionSpec | undefined {
  const f = spec.object('stickySession', STICKY_FIELDS);
  if (f === undefined) return undefined;
  const cookie = f.required('cookie') ? f.string('cookie', (s) => checkToken(s, 'cookie name')) : undefined;
  const d = SPEC_DEFAULTS.sticky;
  return { cookie: cookie ?? '', insert: f.bool('insert', d.insert), noFailover: f.bool('noFailover', d.noFailover) };
}

function readSpec(issues: Issues, raw: unknown): ReverseProxyTargetSpec | undefined {
  if (raw === undefined || raw === null) {
    issues.add(['spec'], 'is required');
    return undefined;
  }
  const f = Fields.open(issues, raw, ['spec'], SPEC_FIELDS);
  if (f === undefined) return undefined;
  const d = SPEC_DEFAULTS;
  const protocol = f.oneOf('protocol', PROTOCOLS, d.protocol);
  const port = f.has('port') ? f.int('port', { min: 1, max: 65535 }, 0) : undefined;
  const spec: ReverseProxyTargetSpec = {
    hosts: readHosts(f),
    contextRoots: readContextRoots(f),
    protocol,
    loadBalancing: { method: f.object('loadBalancing', ['method'])?.oneOf('method', METHODS, d.method) ?? d.method },
    outlierDetection: readOutlierDetection(f),
    timeouts: { ...d.timeouts },
    retries: { attempts: f.object('retries', ['attempts'])?.int('attempts', RETRY_ATTEMPTS, d.retryAttempts) ?? d.retryAttempts },
    headers: readHeaders(f),
    rewrite: readRewrite(f),
  };
  if (port !== undefined && port !== 0) spec.port = port;

  if (f.has('servers') && f.has('service')) {
    f.error('service', 'must not be set together with servers; use servers (fixed addresses) or service (Kubernetes endpoints)');
  } else if (!f.has('servers') && !f.has('service')) {
    f.error('servers', 'is required unless service is set; give servers (fixed addresses) or service (Kubernetes endpoints)');
  }
  const servers = readServers(f, spec.port ?? defaultPort(protocol));
  if (servers !== undefined) spec.servers = servers;
  const service = readService(f);
  if (service !== undefined) spec.service = service;

  const sticky = readSticky(f);
  if (sticky !== undefined) spec.stickySession = sticky;
  const healthCheck = readHealthCheck(f);
  if (healthCheck !== undefined) spec.healthCheck = healthCheck;

  const timeouts = f.object('timeouts', TIMEOUTS_FIELDS);
  if (timeouts !== undefined) {
    spec.timeouts = {
      connectMs: timeouts.duration('connect', d.timeouts.connectMs),
      responseMs: timeouts.duration('response', d.timeouts.responseMs),
      idleMs: timeouts.duration('idle', d.timeouts.idleMs),
    };
  }
  const tls = f.object('tls', ['secretName']);
  if (tls !== undefined) {
    const secretName = tls.required('secretName') ? tls.string('secretName', checkDns1123Subdomain) : undefined;
    if (secretName !== undefined) spec.tls = { secretName };
  }
  return spec;
}

export function validateTarget(raw: unknown): { target?: ReverseProxyTarget; errors: FieldError[] } {
  const issues = new Issues();
  if (!isObject(raw)) {
    issues.add([], `must be an object, got ${show(raw)}`);
    return { errors: issues.list };
  }
  checkTypeMeta(issues, raw, API_VERSION, KIND, TOP_FIELDS);
  const metadata = validateMetadata(issues, raw.metadata);
  const spec = readSpec(issues, raw.spec);
  if (issues.list.length > 0 || metadata === undefined || spec === undefined) return { errors: issues.list };
  return { target: { apiVersion: API_VERSION, kind: KIND, metadata, spec }, errors: [] };
}
