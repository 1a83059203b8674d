// The JSON behind GET /api/targets and the status page: every target with its servers and
// their live state. Never includes secret values (the connector secret stays in the config).
import type { StickySessionSpec } from '../api/types.ts';
import type { TargetStatus } from '../controller/translate.ts';
import type { Override, ServerHealthState } from '../health/server-state.ts';
import type { RuntimeTable } from '../proxy/runtime.ts';

export interface ServerStatus {
  route: string;
  host: string;
  port: number;
  weight: number;
  backup: boolean;
  state: ServerHealthState;
  /** The runtime override from the admin API, if any: it wins over health in `state`. */
  override: Override | null;
  /** Where the override comes from: the configuration (a passthru.dev/drain or /disable
   * annotation, a terminating endpoint) is durable and beats the admin API's. */
  overrideSource: 'configuration' | 'admin' | null;
  since: string;
  inFlight: number;
  requests: number;
  errors: number;
  lastCheck: { at: string; ok: boolean; status?: number; error?: string } | null;
  /**
   * Mean upstream response time (request sent to response headers) over the last minute,
   * from passthru_upstream_duration_seconds; null when the server answered nothing in that
   * window. Filled in by the admin server, which owns the sampling.
   */
  latencyMs?: number | null;
}

export interface TargetStatusView {
  id: string;
  namespace: string;
  name: string;
  accepted: boolean;
  reason: string;
  message: string;
  hosts: string[];
  contextRoots: string[];
  method: string;
  sticky: StickySessionSpec | null;
  healthyServers: number;
  servers: ServerStatus[];
}

export interface TargetsStatus {
  targets: TargetStatusView[];
}

/** What GET /api/targets answers: the status plus what the page needs to know about the listener. */
export interface AdminView extends TargetsStatus {
  /** When this view was taken; the page measures check ages against it, not the browser's clock. */
  generatedAt: string;
  /** True when an admin token is configured, so drain/disable/enable may be posted. */
  writable: boolean;
}

export function targetsStatus(table: RuntimeTable, statuses: readonly TargetStatus[], now: number): TargetsStatus {
  const live = new Map(table.targets.map((t) => [t.config.id, t]));
  const targets = statuses.map((status): TargetStatusView => {
    const [namespace = '', name = ''] = status.id.split('/');
    const runtime = live.get(status.id);
    const servers = (runtime?.servers ?? []).map((s): ServerStatus => {
      const check = s.state.lastCheck;
      return {
        route: s.route,
        host: s.config.host,
        port: s.config.port,
        weight: s.weight,
        backup: s.backup,
        state: s.state.state(now),
        override: s.state.override ?? null,
        overrideSource: s.config.adminState ? 'configuration' : s.state.override ? 'admin' : null,
        since: new Date(s.state.since).toISOString(),
        inFlight: s.state.inFlight,
        requests: s.state.requests,
        errors: s.state.errors,
        lastCheck: check ? { ...check, at: new Date(check.at).toISOString() } : null,
      };
    });
    const sticky = runtime?.config.sticky;
    return {
      id: status.id,
      namespace,
      name,
      accepted: status.accepted,
      reason: status.reason,
      message: status.message,
      hosts: runtime?.config.hosts ?? [],
      contextRoots: runtime?.config.contextRoots ?? [],
      method: runtime?.config.method ?? '',
      sticky: sticky ? { cookie: sticky.cookie, insert: sticky.insert, noFailover: sticky.noFailover } : null,
      healthyServers: servers.filter((s) => s.state === 'healthy').length,
      servers,
    };
  });
  return { targets };
}
