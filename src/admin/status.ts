// The JSON behind GET /api/targets (and, later, the status page): every target with its
// servers and their live state. Never includes secret values.
import type { TargetStatus } from '../controller/translate.ts';
import type { ServerHealthState } from '../health/server-state.ts';
import type { RuntimeTable } from '../proxy/runtime.ts';

export interface ServerStatus {
  route: string;
  host: string;
  port: number;
  weight: number;
  backup: boolean;
  state: ServerHealthState;
  since: string;
  inFlight: number;
  requests: number;
  errors: number;
  lastCheck: { at: string; ok: boolean; status?: number; error?: string } | null;
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
  healthyServers: number;
  servers: ServerStatus[];
}

export interface TargetsStatus {
  targets: TargetStatusView[];
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
        since: new Date(s.state.since).toISOString(),
        inFlight: s.state.inFlight,
        requests: s.state.requests,
        errors: s.state.errors,
        lastCheck: check ? { ...check, at: new Date(check.at).toISOString() } : null,
      };
    });
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
      healthyServers: servers.filter((s) => s.state === 'healthy').length,
      servers,
    };
  });
  return { targets };
}
