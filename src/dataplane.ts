// The data plane both modes run: traffic listener, admin listener, the routing store and the
// outbound pools. Sources (files, the API server) hand it translate() results.
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createAdminServer } from './admin/server.ts';
import type { TargetStatus, TranslateResult } from './controller/translate.ts';
import { systemClock, type Clock } from './health/clock.ts';
import { httpProbe, type Probe } from './health/probe.ts';
import { HealthRegistry } from './health/registry.ts';
import { targetsStatus, type TargetsStatus } from './admin/status.ts';
import type { Metrics } from './metrics/registry.ts';
import { createHandler, type ProxyDeps } from './proxy/handler.ts';
import { createUpgradeHandler } from './proxy/upgrade.ts';
import { createTrafficServer, DEFAULT_LIMITS, drainServer, type ListenerLimits } from './proxy/listener.ts';
import { HttpProxyOutbound } from './proxy/outbound.ts';
import { buildRuntimeTable, EMPTY_TABLE, type RuntimeTable } from './proxy/runtime.ts';
import { TrustedProxies } from './proxy/trust.ts';
import { UpstreamPools } from './proxy/upstreams.ts';
import { Store } from './routing/store.ts';
import type { HostPort } from './cli/flags.ts';

export interface DataPlaneOptions {
  listen: HostPort;
  admin: HostPort;
  trustedProxies: readonly string[];
  drainTimeoutMs: number;
  accessLog: boolean;
  viaName: string;
  logger: Logger;
  metrics: Metrics;
  /** Listener limits; the defaults are QUALITY.md's figures, tests shorten them. */
  limits?: Partial<ListenerLimits>;
  /** A WebSocket is closed after this long however busy; default 24 h. */
  websocketMaxLifetimeMs?: number;
  /** Bearer token for the admin API's write actions; undefined: the admin API is read-only. */
  adminToken?: string;
  /** Injected for tests of health checking; the system clock and an HTTP GET otherwise. */
  clock?: Clock;
  probe?: Probe;
}

export class DataPlane {
  readonly store = new Store<RuntimeTable>(EMPTY_TABLE);
  private readonly pools = new UpstreamPools();
  readonly health: HealthRegistry;
  private statuses: TargetStatus[] = [];
  private readonly outbound = new HttpProxyOutbound();
  private readonly traffic: http.Server;
  private readonly admin: http.Server;
  private ready = false;
  private draining = false;
  private readonly log: Logger;
  private readonly options: DataPlaneOptions;

  private constructor(options: DataPlaneOptions) {
    this.options = options;
    this.log = options.logger.child({ part: 'dataplane' });
    const { metrics } = options;
    const clock = options.clock ?? systemClock;
    this.health = new HealthRegistry(clock, options.probe ?? httpProbe, options.logger.child({ part: 'health' }), {
      onCheck: (state, ok) => metrics.healthChecks.labels(state.targetId, state.route, ok ? 'success' : 'failure').inc(),
      onEjection: (state, reason) => metrics.ejections.labels(state.targetId, state.route, reason).inc(),
    });
    metrics.servers = () => {
      const now = clock.now();
      return [...this.health.all()].map((s) => ({ target: s.targetId, server: s.route, up: s.available(now), inFlight: s.inFlight }));
    };
    const proxyDeps: ProxyDeps = {
      store: this.store,
      outbound: this.outbound,
      health: this.health,
      trusted: new TrustedProxies(options.trustedProxies),
      metrics,
      logger: options.logger.child({ part: 'proxy' }),
      proto: 'http',
      viaName: options.viaName,
    };
    const upgrade = createUpgradeHandler({ ...proxyDeps, maxLifetimeMs: options.websocketMaxLifetimeMs ?? 24 * 3600_000 });
    const handler = createHandler({
      ...proxyDeps,
      accessLog: options.accessLog ? options.logger.child({ log: 'access' }) : undefined,
      isDraining: () => this.draining,
      onResponseDone: () => {
        if (this.draining) this.traffic.closeIdleConnections();
      },
    });
    this.traffic = createTrafficServer(handler, options.metrics, 'traffic', { ...DEFAULT_LIMITS, ...options.limits }, upgrade);
    this.admin = createAdminServer({
      registry: options.metrics.registry,
      status: () => this.status(),
      health: this.health,
      adminToken: options.adminToken,
      logger: options.logger.child({ part: 'admin' }),
      isReady: () => this.ready,
      isDraining: () => this.draining,
    });
  }

  static async start(options: DataPlaneOptions): Promise<DataPlane> {
    const plane = new DataPlane(options);
    await listen(plane.admin, options.admin);
    await listen(plane.traffic, options.listen);
    plane.log.info({ traffic: plane.trafficAddress, admin: plane.adminAddress }, 'listening');
    return plane;
  }

  get trafficAddress(): AddressInfo {
    return this.traffic.address() as AddressInfo;
  }

  get adminAddress(): AddressInfo {
    return this.admin.address() as AddressInfo;
  }

  /** Builds a new table from a translate() result and swaps it in whole. */
  apply(result: TranslateResult): void {
    this.store.swap(buildRuntimeTable(result.config, this.pools, this.health));
    this.statuses = result.statuses;
    const rejected = result.statuses.filter((s) => !s.accepted);
    const { metrics } = this.options;
    metrics.targets.labels('accepted').set(result.statuses.length - rejected.length);
    metrics.targets.labels('rejected').set(rejected.length);
    metrics.configReloads.labels('success').inc();
    metrics.configLastReloadSuccess.setToCurrentTime();
    for (const s of rejected) this.log.warn({ target: s.id, reason: s.reason }, `target rejected: ${s.message}`);
    this.log.info({ targets: result.config.targets.length, rejected: rejected.length }, 'configuration applied');
    this.ready = true;
  }

  /** What /api/targets shows: every target, its servers and their state. */
  status(): TargetsStatus {
    return targetsStatus(this.store.current(), this.statuses, this.health.now());
  }

  /** SIGTERM: readiness goes false, listeners stop accepting, requests in flight finish. */
  async shutdown(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    this.log.info({ drainTimeoutMs: this.options.drainTimeoutMs }, 'draining');
    await drainServer(this.traffic, this.options.drainTimeoutMs);
    this.health.stop();
    this.outbound.close();
    this.pools.closeAll();
    this.admin.closeAllConnections();
    await new Promise<void>((resolve) => this.admin.close(() => resolve()));
    this.log.info('stopped');
  }
}

function listen(server: http.Server, at: HostPort): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(new Error(`cannot listen on ${at.host}:${at.port}: ${err.message}`));
    server.once('error', onError);
    server.listen(at.port, at.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
