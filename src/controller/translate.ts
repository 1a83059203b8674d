// Pure translation: validated resources in, a routing config and one status per target out.
// No I/O, no clock; output sorted so the same input always gives the same table. Shared by
// `passthru serve` (files) and `passthru controller` (the API server).
import type { ReverseProxyTarget, SecretObject, ServerSpec } from '../api/types.ts';
import { targetKey } from '../api/types.ts';
import { serverIdentity, type RoutingConfig, type ServerConfig, type TargetConfig } from '../routing/model.ts';

export type AcceptedReason = 'Valid' | 'Invalid' | 'Conflict' | 'SecretNotFound' | 'ServiceNotFound';

export interface TargetStatus {
  id: string;
  accepted: boolean;
  reason: AcceptedReason;
  message: string;
}

export interface TranslateInput {
  targets: readonly ReverseProxyTarget[];
  secrets: readonly SecretObject[];
  /** Kubernetes mode: the servers behind `spec.service`; undefined when it cannot be resolved. */
  resolveService?: (target: ReverseProxyTarget) => ServerSpec[] | undefined;
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
    const servers = target.spec.servers ?? input.resolveService?.(target);
    if (!servers) {
      reject(
        'ServiceNotFound',
        input.resolveService
          ? `Service "${target.spec.service?.name}" not found in namespace "${target.metadata.namespace}"`
          : 'spec.service needs Kubernetes mode (passthru controller); list spec.servers when running passthru serve',
      );
      continue;
    }
    const keys = claimKeys(target);
    const taken = keys.find((k) => claims.has(k.key));
    if (taken) {
      reject('Conflict', `${taken.label} is already served by ReverseProxyTarget ${claims.get(taken.key)}`);
      continue;
    }
    for (const k of keys) claims.set(k.key, id);
    accepted.push(toTargetConfig(id, target, servers, connectorSecret(target, secrets)));
    statuses.push({ id, accepted: true, reason: 'Valid', message: '' });
  }

  accepted.sort((a, b) => compare(a.id, b.id));
  statuses.sort((a, b) => compare(a.id, b.id));
  return { config: { targets: accepted }, statuses };
}

function toTargetConfig(id: string, target: ReverseProxyTarget, servers: ServerSpec[], secret: string | undefined): TargetConfig {
  const spec = target.spec;
  return {
    ...(secret === undefined ? {} : { connectorSecret: secret }),
    id,
    hosts: [...spec.hosts].sort(),
    contextRoots: [...spec.contextRoots].sort(),
    protocol: spec.protocol,
    servers: servers.map(
      (s): ServerConfig => ({
        id: serverIdentity(spec.protocol, s.host, s.port),
        host: s.host,
        port: s.port,
        route: s.route,
        weight: s.weight,
        backup: s.backup,
      }),
    ),
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
