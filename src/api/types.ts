// The ReverseProxyTarget resource as passthru understands it after validation and defaulting.
// Pure data with no Kubernetes client types: the file source, the controller and the CRD
// schema all derive from these shapes (API.md §1 is the user-facing contract).

export const GROUP = 'passthru.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'ReverseProxyTarget';

export type Protocol = 'http' | 'https';
export type BalancingMethod = 'byRequests' | 'byTraffic' | 'byBusyness';
export type ForwardedMode = 'xForwarded' | 'forwarded' | 'both' | 'none';
export type ConnectorMode = 'none' | 'websphere';

export interface ObjectMeta {
  name: string;
  namespace: string; // "default" when the manifest leaves it out
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  /** RFC 3339, as the API server writes it; decides which of two conflicting targets wins. */
  creationTimestamp?: string;
  /**
   * Only the `passthru.dev/` ones are kept (the rest, such as kubectl's last-applied copy of
   * the whole object, are never read): `passthru.dev/drain` and `passthru.dev/disable`.
   */
  annotations?: Record<string, string>;
}

/** A server taken out of rotation by its operator rather than by health. */
export type AdminState = 'draining' | 'disabled';

export interface ServerSpec {
  host: string; // DNS name or IP literal (IPv6 without brackets)
  port: number; // defaulted from spec.port, then 80/443 by protocol
  /** Sticky-session route id; defaulted to a stable hash of host:port, never the address itself. */
  route: string;
  /** True when the route was not written in the manifest but derived. */
  routeDerived: boolean;
  weight: number; // 1..100, default 1
  backup: boolean;
  /** Kubernetes mode: a terminating endpoint still serving its sessions drains. */
  adminState?: AdminState;
}

export interface ServiceRef {
  name: string;
  port: number | string; // number or named port
}

export interface StickySessionSpec {
  cookie: string;
  insert: boolean;
  noFailover: boolean;
}

/** Durations are milliseconds after validation; manifests write Go-style strings ("5s", "1m30s"). */
export interface HealthCheckSpec {
  path: string;
  intervalMs: number;
  timeoutMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  /** Inclusive status ranges parsed from e.g. "200-399,404". */
  expectStatus: Array<[number, number]>;
}

export interface OutlierDetectionSpec {
  consecutiveFailures: number;
  ejectionTimeMs: number;
  maxEjectionPercent: number;
}

export interface TimeoutsSpec {
  connectMs: number;
  responseMs: number;
  idleMs: number;
}

export interface HeaderRules {
  set: Record<string, string>;
  remove: string[];
}

export interface HeadersSpec {
  forwarded: ForwardedMode;
  via: boolean;
  connector: ConnectorMode;
  connectorSecretRef?: { name: string; key: string };
  request: HeaderRules;
  response: HeaderRules;
}

export interface RewriteSpec {
  stripContextRoot: boolean;
  reverseRedirects: boolean;
  cookieDomain: Record<string, string>;
  cookiePath: Record<string, string>;
}

export interface ReverseProxyTargetSpec {
  /** Lower-cased; [] means any host. "*.example.com" is a one-label wildcard. */
  hosts: string[];
  /** Normalised: start with "/", no trailing "/" except the catch-all "/". */
  contextRoots: string[];
  port?: number;
  protocol: Protocol;
  /** Exactly one of servers / service is set. */
  servers?: ServerSpec[];
  service?: ServiceRef;
  loadBalancing: { method: BalancingMethod };
  stickySession?: StickySessionSpec;
  healthCheck?: HealthCheckSpec;
  outlierDetection: OutlierDetectionSpec;
  timeouts: TimeoutsSpec;
  retries: { attempts: number };
  headers: HeadersSpec;
  rewrite: RewriteSpec;
  tls?: { secretName: string };
}

export interface ReverseProxyTarget {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: ReverseProxyTargetSpec;
}

/** A `v1` Secret as the file source and the controller hand it on: values already decoded. */
export interface SecretObject {
  metadata: ObjectMeta;
  type: string;
  /** `data` (base64-decoded) merged with `stringData`, as the API server does. */
  data: Record<string, Buffer>;
}

/** One problem found in a manifest: `path` is the field path, e.g. "spec.servers[1].weight". */
export interface FieldError {
  path: string;
  message: string;
}

export function targetKey(meta: Pick<ObjectMeta, 'namespace' | 'name'>): string {
  return `${meta.namespace}/${meta.name}`;
}
