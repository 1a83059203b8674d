// Turns a RoutingConfig into the table the handler reads: each target with its balancer and
// each server with its connection pool and its (long-lived) health state. Built whole on every
// change, then swapped in.
import { byBusyness, byTraffic } from '../balancer/least-score.ts';
import { SmoothRoundRobin } from '../balancer/smooth-round-robin.ts';
import type { Availability, Balancer } from '../balancer/types.ts';
import type { HealthRegistry } from '../health/registry.ts';
import type { ServerState } from '../health/server-state.ts';
import type { RoutingConfig, ServerConfig, TargetConfig } from '../routing/model.ts';
import { RoutingTable } from '../routing/table.ts';
import { compileRewrites, type TargetRewrites } from './rewrite.ts';
import type { Pool, UpstreamPools } from './upstreams.ts';

export interface ServerRuntime {
  readonly config: ServerConfig;
  readonly route: string;
  readonly weight: number;
  readonly backup: boolean;
  readonly pool: Pool;
  /** Health, overrides and load counters; survives table swaps. */
  readonly state: ServerState;
  readonly stats: ServerState;
}

/** Per-target counters for the retry budget. */
export interface TargetLoad {
  inFlight: number;
  retrying: number;
}

export interface TargetRuntime {
  readonly config: TargetConfig;
  readonly servers: readonly ServerRuntime[];
  readonly byRoute: ReadonlyMap<string, ServerRuntime>;
  readonly balancer: Balancer<ServerRuntime>;
  readonly load: TargetLoad;
  readonly rewrites: TargetRewrites;
}

export type RuntimeTable = RoutingTable<TargetRuntime>;

export function buildRuntimeTable(config: RoutingConfig, pools: UpstreamPools, health: HealthRegistry): RuntimeTable {
  health.sync(config.targets);
  const available: Availability<ServerRuntime> = (s) => s.state.available(health.now());
  const targets = config.targets.map((target): TargetRuntime => {
    const servers = target.servers.map((server): ServerRuntime => {
      const state = health.stateFor(target.id, server.id);
      return {
        config: server,
        route: server.route,
        weight: server.weight,
        backup: server.backup,
        pool: pools.get(server, target.protocol, target.timeouts.idleMs),
        state,
        stats: state,
      };
    });
    return {
      config: target,
      servers,
      byRoute: new Map(servers.map((s) => [s.route, s])),
      balancer: balancerFor(target, servers, available),
      load: { inFlight: 0, retrying: 0 },
      rewrites: compileRewrites(target),
    };
  });
  pools.retainOnly(new Set(config.targets.flatMap((t) => t.servers.map((s) => s.id))));
  return new RoutingTable(targets);
}

function balancerFor(target: TargetConfig, servers: ServerRuntime[], available: Availability<ServerRuntime>): Balancer<ServerRuntime> {
  switch (target.method) {
    case 'byBusyness':
      return byBusyness(servers, available);
    case 'byTraffic':
      return byTraffic(servers, available);
    case 'byRequests':
      return new SmoothRoundRobin(servers, available);
  }
}

export const EMPTY_TABLE: RuntimeTable = new RoutingTable<TargetRuntime>([]);
