// One owned prom-client Registry and every passthru_* metric (API.md §4). Parts that record
// get this object passed in; nothing uses prom-client's global default registry.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const NO_TARGET = 'none';
export const NO_SERVER = 'none';

const STANDARD_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']);

/** Keeps the method label bounded: anything outside the standard set counts as OTHER. */
export function methodLabel(method: string | undefined): string {
  return method !== undefined && STANDARD_METHODS.has(method) ? method : 'OTHER';
}

export interface Metrics {
  registry: Registry;
  requests: Counter<'target' | 'server' | 'method' | 'code'>;
  requestDuration: Histogram<'target'>;
  openConnections: Gauge<'listener'>;
  configReloads: Counter<'result'>;
  configLastReloadSuccess: Gauge;
  targets: Gauge<'state'>;
}

export function createMetrics(registry: Registry = new Registry()): Metrics {
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'passthru_requests_total',
      help: 'Requests answered, by target, server route, method and status code.',
      labelNames: ['target', 'server', 'method', 'code'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'passthru_request_duration_seconds',
      help: 'Time from the request arriving to the response finishing, by target.',
      labelNames: ['target'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    openConnections: new Gauge({
      name: 'passthru_open_connections',
      help: 'Client connections currently open, by listener.',
      labelNames: ['listener'],
      registers,
    }),
    configReloads: new Counter({
      name: 'passthru_config_reloads_total',
      help: 'Configuration reloads, by result (success: applied; failure: a file or object was rejected).',
      labelNames: ['result'],
      registers,
    }),
    configLastReloadSuccess: new Gauge({
      name: 'passthru_config_last_reload_success_timestamp_seconds',
      help: 'When a configuration was last applied, as a Unix timestamp.',
      registers,
    }),
    targets: new Gauge({
      name: 'passthru_targets',
      help: 'ReverseProxyTargets in the current configuration, by state.',
      labelNames: ['state'],
      registers,
    }),
  };
}
