// Turns a RoutingConfig into the table the handler reads: each target with its balancer and
// each server with its connection pool. Built whole on every change, then swapped in.
import { SmoothRoundRobin } from '../balancer/smooth-round-robin.ts';
import type { Balancer } from '../balancer/types.ts';
import type { RoutingConfig, ServerConfig, TargetConfig } from '../routing/model.ts';
import { RoutingTable } from '../routing/table.ts';
import type { Pool, UpstreamPools } from './upstreams.ts';

export interface ServerRuntime {
  readonly config: ServerConfig;
  readonly route: string;
  readonly weight: number;
  readonly backup: boolean;
  readonly pool: Pool;
}

export interface TargetRuntime {
  readonly config: TargetConfig;
  readonly servers: readonly ServerRuntime[];
  readonly balancer: Balancer<ServerRuntime>;
}

export type RuntimeTable = RoutingTable<TargetRuntime>;

export function buildRuntimeTable(config: RoutingConfig, pools: UpstreamPools): RuntimeTable {
  const targets = config.targets.map((target) => {
    const servers = target.servers.map(
      (server): ServerRuntime => ({
        config: server,
        route: server.route,
        weight: server.weight,
        backup: server.backup,
        pool: pools.get(server, target.protocol, target.timeouts.idleMs),
      }),
    );
    return { config: target, servers, balancer: new SmoothRoundRobin(servers) };
  });
  pools.retainOnly(new Set(config.targets.flatMap((t) => t.servers.map((s) => s.id))));
  return new RoutingTable(targets);
}

export const EMPTY_TABLE: RuntimeTable = new RoutingTable<TargetRuntime>([]);
