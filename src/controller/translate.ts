// Pure translation: validated resources in, a routing config and one status per target out.
// No I/O, no clock; output sorted so the same input always gives the same table. Shared by
// `passthru serve` (files) and `passthru controller` (the API server).
import type { FieldError, ObjectMeta, ReverseProxyTarget, SecretObject, ServerSpec } from '../api/types.ts';
import { targetKey } from '../api/types.ts';
import { serverIdentity, type RoutingConfig, type ServerConfig, type TargetConfig } from '../routing/model.ts';
import { adminStates, DISABLE_ANNOTATION, DRAIN_ANNOTATION } from './admin-state.ts';
import { refusedAddress, type AddressPolicy } from './addresses.ts';
import type { ServiceResolution } from './endpoints.ts';

export type AcceptedReason = 'Valid' | 'Invalid' | 'Conflict' | 'SecretNotFound' | 'ServiceNotFound';

export interface TargetStatus {
  id: string;
  accepted: boolean;
  reason: AcceptedReason;
  message: string;
}

/** A target the API server stored but validation refuses (the CRD schema cannot say everything). */
export interface InvalidTarget {
  metadata: Pick<ObjectMeta, 'namespace' | 'name'>;
  errors: FieldError[];
}

export interface TranslateInput {
  targets: readonly ReverseProxyTarget[];
  secrets: readonly SecretObject[];
  /** Rejected with reason Invalid, naming each field and its problem. */
  invalid?: readonly InvalidTarget[];
  /** Kubernetes mode: the servers behind `spec.service` (see endpoints.ts). */
  resolveService?: (target: ReverseProxyTarget) => ServiceResolution;
  /** Kubernetes mode: loopback, link-local and our own ports are refused; serve mode: none. */
  addressPolicy?: AddressPolicy;
}

export interface TranslateResult {
  config: RoutingConfig;
  /** One per input target, sorted by id. */
  statuses: TargetStatus[];
}

export function translate(input: TranslateInput): TranslateResult {
  const secrets = new Map(input.secrets.map((s) => [targetKey(s.metadata), s]));
  // Older targets claim their host + context root pairs first (then namespace/name order).
  const ordered = [...input.targets].sort(byAge);
  const claims = new Map<string, string>();
  const accepted: TargetConfig[] = [];
  const statuses: TargetStatus[] = [];

  for (const bad of input.invalid ?? []) {
    statuses.push({ id: targetKey(bad.metadata), accepted: false, reason: 'Invalid', message: bad.errors.map((e) => `${e.path}: ${e.message}`).join('; ') });
  }

  for (const target of ordered) {
    const id = targetKey(target.metadata);
    const reject = (reason: AcceptedReason, message: string): void => {
      statuses.push({ id, accepted: false, reason, message });
    };

    const secretProblem = checkSecrets(target, secrets);
    if (secretProblem) {
      reject('SecretNotFound', secretProblem);
      continue;
    }
    const notes: string[] = [];
    let servers: ServerSpec[];
    if (target.spec.servers) {
      const refused = refusedServers(target.spec.servers, input.addressPolicy);
      if (refused.length > 0) {
        reject('Invalid', refused.join('; '));
        continue;
      }
      servers = target.spec.servers;
    } else if (!input.resolveService) {
      reject('ServiceNotFound', 'spec.service needs Kubernetes mode (passthru controller); list spec.servers when running passthru serve');
      continue;
    } else {
      const resolved = input.resolveService(target);
      if ('problem' in resolved) {
        reject('ServiceNotFound', resolved.problem);
        continue;
      }
      // One bad endpoint must not take the others down: it is left out and named.
      servers = resolved.servers.filter((s) => {
        const why = input.addressPolicy && refusedAddress(s.host, s.port, input.addressPolicy);
        if (why) notes.push(`endpoint left out: ${why}`);
        return !why;
      });
      if (servers.length === 0) notes.push(`Service "${target.spec.service?.name}" has no ready endpoints`);
    }
    const keys = claimKeys(target);
    const taken = keys.find((k) => claims.has(k.key));
    if (taken) {
      reject('Conflict', `${taken.label} is already served by ReverseProxyTarget ${claims.get(taken.key)}`);
      continue;
    }
    for (const k of keys) claims.set(k.key, id);
    const admin = adminStates(target.metadata);
    notes.push(...admin.notes);
    for (const [route, state] of admin.byRoute) {
      if (!servers.some((s) => s.route === route)) {
        notes.push(`${state === 'disabled' ? DISABLE_ANNOTATION : DRAIN_ANNOTATION} names route "${route}", which no server of this target has`);
      }
    }
    accepted.push(toTargetConfig(id, target, servers, connectorSecret(target, secrets), admin.byRoute));
    statuses.push({ id, accepted: true, reason: 'Valid', message: notes.join('; ') });
  }

  accepted.sort((a, b) => compare(a.id, b.id));
  statuses.sort((a, b) => compare(a.id, b.id));
  return { config: { targets: accepted }, statuses };
}

function refusedServers(servers: readonly ServerSpec[], policy: AddressPolicy | undefined): string[] {
  if (!policy) return [];
  return servers.flatMap((s, i) => {
    const why = refusedAddress(s.host, s.port, policy);
    return why ? [`spec.servers[${i}].host: ${why}`] : [];
  });
}

function toTargetConfig(
  id: string,
  target: ReverseProxyTarget,
  servers: ServerSpec[],
  secret: string | undefined,
  admin: ReadonlyMap<string, 'draining' | 'disabled'>,
): TargetConfig {
  const spec = target.spec;
  return {
    ...(secret === undefined ? {} : { connectorSecret: secret }),
    id,
    hosts: [...spec.hosts].sort(),
    contextRoots: [...spec.contextRoots].sort(),
    protocol: spec.protocol,
    servers: servers.map((s): ServerConfig => {
      const server: ServerConfig = {
        id: serverIdentity(spec.protocol, s.host, s.port),
        host: s.host,
        port: s.port,
        route: s.route,
        weight: s.weight,
        backup: s.backup,
      };
      // The operator's annotation wins over Kubernetes' own (a terminating endpoint drains).
      const adminState = admin.get(s.route) ?? s.adminState;
      if (adminState) server.adminState = adminState;
      return server;
    }),
    method: spec.loadBalancing.method,
    sticky: spec.stickySession,
    healthCheck: spec.healthCheck,
    outlierDetection: spec.outlierDetection,
    timeouts: spec.timeouts,
    retries: spec.retries.attempts,
    headers: spec.headers,
    rewrite: spec.rewrite,
  };
}

function claimKeys(target: ReverseProxyTarget): Array<{ key: string; label: string }> {
  const hosts = target.spec.hosts.length > 0 ? target.spec.hosts : [''];
  return hosts.flatMap((host) =>
    target.spec.contextRoots.map((root) => ({
      key: `${host}\u0000${root}`,
      label: host ? `host "${host}" context root "${root}"` : `context root "${root}" (any host)`,
    })),
  );
}

function checkSecrets(target: ReverseProxyTarget, secrets: ReadonlyMap<string, SecretObject>): string | undefined {
  const ns = target.metadata.namespace;
  const ref = target.spec.headers.connectorSecretRef;
  if (ref) {
    const secret = secrets.get(`${ns}/${ref.name}`);
    if (!secret) return `spec.headers.connectorSecretRef: Secret "${ref.name}" not found in namespace "${ns}"`;
    if (!secret.data[ref.key]) return `spec.headers.connectorSecretRef: Secret "${ref.name}" has no key "${ref.key}"`;
  }
  const tls = target.spec.tls;
  if (tls) {
    const secret = secrets.get(`${ns}/${tls.secretName}`);
    if (!secret) return `spec.tls.secretName: Secret "${tls.secretName}" not found in namespace "${ns}"`;
    if (!secret.data['tls.crt'] || !secret.data['tls.key']) return `spec.tls.secretName: Secret "${tls.secretName}" needs keys tls.crt and tls.key`;
  }
  return undefined;
}

function connectorSecret(target: ReverseProxyTarget, secrets: ReadonlyMap<string, SecretObject>): string | undefined {
  const ref = target.spec.headers.connectorSecretRef;
  return ref ? secrets.get(`${target.metadata.namespace}/${ref.name}`)?.data[ref.key]?.toString('utf8') : undefined;
}

function byAge(a: ReverseProxyTarget, b: ReverseProxyTarget): number {
  // A target without a creation time (files) counts as newer than any that has one.
  const ta = a.metadata.creationTimestamp ?? '\uffff';
  const tb = b.metadata.creationTimestamp ?? '\uffff';
  return compare(ta, tb) || compare(targetKey(a.metadata), targetKey(b.metadata));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
