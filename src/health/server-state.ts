// Everything passthru knows about one server of one target: active-check results, passive
// ejection, runtime overrides and the counters balancing reads. Keyed by target id + server
// identity and kept across routing-table swaps, so a reload neither forgets an unhealthy
// server nor resets a draining one.
import type { HealthCheckSpec, OutlierDetectionSpec } from '../api/types.ts';

export type ServerHealthState = 'healthy' | 'unhealthy' | 'ejected' | 'draining' | 'disabled';
export type Override = 'draining' | 'disabled';
export type FailureKind = 'connect_failure' | 'gateway_error' | 'timeout' | 'reset';

export interface CheckResult {
  at: number;
  ok: boolean;
  status?: number;
  error?: string;
}

export class ServerState {
  readonly key: string;
  readonly targetId: string;
  readonly route: string;

  /** Active checks: undefined when the target has none (then the server counts as healthy). */
  check: HealthCheckSpec | undefined;
  outlier: OutlierDetectionSpec;
  /** Active result: false until the first passing check when checks are configured. */
  activeHealthy = true;
  consecutiveOk = 0;
  consecutiveBad = 0;
  lastCheck: CheckResult | undefined;

  /** Passive: consecutive failures seen on real traffic. */
  consecutiveFailures = 0;
  ejectedUntil = 0;
  ejectedAt = 0;
  /** How many times it has been ejected recently; each ejection lasts ejectionTime x this. */
  ejections = 0;

  override: Override | undefined;

  inFlight = 0;
  requests = 0;
  errors = 0;
  /** Bytes to and from the server, for byTraffic. */
  traffic = 0;
  /** Set when the state changes in a way that matters to the since-timestamp in status. */
  since: number;

  constructor(key: string, targetId: string, route: string, check: HealthCheckSpec | undefined, outlier: OutlierDetectionSpec, now: number) {
    this.key = key;
    this.targetId = targetId;
    this.route = route;
    this.outlier = outlier;
    this.since = now;
    this.configure(check, outlier);
  }

  /** A reload may change the check or the outlier settings; results so far are kept. */
  configure(check: HealthCheckSpec | undefined, outlier: OutlierDetectionSpec): void {
    const hadCheck = this.check !== undefined;
    this.check = check;
    this.outlier = outlier;
    if (!check) this.activeHealthy = true;
    else if (!hadCheck) {
      // Checks newly configured: the server must prove itself before taking traffic.
      this.activeHealthy = false;
      this.consecutiveOk = 0;
      this.consecutiveBad = 0;
    }
  }

  isEjected(now: number): boolean {
    return this.ejectedUntil > now;
  }

  /** May a new (non-sticky) request go here? */
  available(now: number): boolean {
    return this.override === undefined && this.activeHealthy && !this.isEjected(now);
  }

  /** May a request pinned to this server by its session go here? Draining still serves its sessions. */
  availableForSession(now: number): boolean {
    return this.override !== 'disabled' && this.activeHealthy && !this.isEjected(now);
  }

  state(now: number): ServerHealthState {
    if (this.override) return this.override;
    if (this.isEjected(now)) return 'ejected';
    return this.activeHealthy ? 'healthy' : 'unhealthy';
  }
}
