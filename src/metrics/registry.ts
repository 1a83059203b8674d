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

/** One server's live figures, read at scrape time rather than updated per request. */
export interface ServerGauge {
  target: string;
  server: string;
  up: boolean;
  inFlight: number;
}

export interface Metrics {
  registry: Registry;
  requests: Counter<'target' | 'server' | 'method' | 'code'>;
  requestDuration: Histogram<'target'>;
  upstreamDuration: Histogram<'target' | 'server'>;
  serverUp: Gauge<'target' | 'server'>;
  serverInFlight: Gauge<'target' | 'server'>;
  healthChecks: Counter<'target' | 'server' | 'result'>;
  ejections: Counter<'target' | 'server' | 'reason'>;
  retries: Counter<'target'>;
  bytesReceived: Counter<'target'>;
  bytesSent: Counter<'target'>;
  /** Where serverUp and serverInFlight read from; the data plane points it at its health state. */
  servers: () => Iterable<ServerGauge>;
  openConnections: Gauge<'listener'>;
  configReloads: Counter<'result'>;
  configLastReloadSuccess: Gauge;
  targets: Gauge<'state'>;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(registry: Registry = new Registry()): Metrics {
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  // Set from the current servers at each scrape, so servers that left the configuration
  // leave the output too, and the request path pays nothing for these two.
  const fromServers = (pick: (s: ServerGauge) => number) =>
    function (this: Gauge<'target' | 'server'>): void {
      this.reset();
      for (const s of metrics.servers()) this.labels(s.target, s.server).set(pick(s));
    };
  const metrics: Metrics = {
    registry,
    servers: () => [],
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
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    upstreamDuration: new Histogram({
      name: 'passthru_upstream_duration_seconds',
      help: 'Time from sending a request to a server to its response headers, by target and server.',
      labelNames: ['target', 'server'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    serverUp: new Gauge({
      name: 'passthru_server_up',
      help: '1 when a server may take new requests (healthy, not ejected, drained or disabled), else 0.',
      labelNames: ['target', 'server'],
      registers,
      collect: fromServers((s) => (s.up ? 1 : 0)),
    }),
    serverInFlight: new Gauge({
      name: 'passthru_server_in_flight',
      help: 'Requests a server is serving right now.',
      labelNames: ['target', 'server'],
      registers,
      collect: fromServers((s) => s.inFlight),
    }),
    healthChecks: new Counter({
      name: 'passthru_health_checks_total',
      help: 'Active health checks, by target, server and result (success, failure).',
      labelNames: ['target', 'server', 'result'],
      registers,
    }),
    ejections: new Counter({
      name: 'passthru_ejections_total',
      help: 'Servers ejected by passive health checking, by reason (connect_failure, gateway_error, timeout, reset).',
      labelNames: ['target', 'server', 'reason'],
      registers,
    }),
    retries: new Counter({
      name: 'passthru_retries_total',
      help: 'Requests sent again to another server, by target.',
      labelNames: ['target'],
      registers,
    }),
    bytesReceived: new Counter({
      name: 'passthru_bytes_received_total',
      help: 'Bytes received from clients, by target.',
      labelNames: ['target'],
      registers,
    }),
    bytesSent: new Counter({
      name: 'passthru_bytes_sent_total',
      help: 'Bytes sent to clients, by target.',
      labelNames: ['target'],
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
  return metrics;
}
