// The routing configuration the data plane runs on: plain data, no Kubernetes types.
// Produced by the pure translate step (src/controller/translate.ts) from validated resources.
import type {
  BalancingMethod,
  HeadersSpec,
  HealthCheckSpec,
  OutlierDetectionSpec,
  Protocol,
  RewriteSpec,
  StickySessionSpec,
  TimeoutsSpec,
} from '../api/types.ts';

export interface ServerConfig {
  /** Identity that health state is keyed by across rebuilds: "<protocol>://<host>:<port>". */
  id: string;
  host: string;
  port: number;
  route: string;
  weight: number;
  backup: boolean;
  adminState?: 'draining' | 'disabled'; // operator (passthru.dev/drain|disable) or a terminating endpoint
}

export interface TargetConfig {
  /** "namespace/name": the metrics label and the key for runtime overrides. */
  id: string;
  hosts: string[];
  contextRoots: string[];
  protocol: Protocol;
  servers: ServerConfig[];
  method: BalancingMethod;
  sticky?: StickySessionSpec;
  healthCheck?: HealthCheckSpec;
  outlierDetection: OutlierDetectionSpec;
  timeouts: TimeoutsSpec;
  retries: number;
  headers: HeadersSpec;
  /** The value of headers.connectorSecretRef, resolved by translate; never logged or shown. */
  connectorSecret?: string;
  rewrite: RewriteSpec;
}

export interface RoutingConfig {
  /** Sorted by id so that the same input always yields the same table. */
  targets: TargetConfig[];
}

export function serverIdentity(protocol: Protocol, host: string, port: number): string {
  return `${protocol}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
