// The immutable routing table: built whole from a RoutingConfig, never patched.
import type { TargetConfig } from './model.ts';
import { rootMatches, wildcardSuffix } from './match.ts';

export interface Route<T> {
  root: string;
  target: T;
}

export interface Match<T> {
  target: T;
  contextRoot: string;
}

/** Routes for one host key, longest context root first. */
type RouteList<T> = ReadonlyArray<Route<T>>;

export class RoutingTable<T extends { config: TargetConfig }> {
  readonly targets: readonly T[];
  private readonly exact: ReadonlyMap<string, RouteList<T>>;
  private readonly wildcard: ReadonlyMap<string, RouteList<T>>;
  private readonly any: RouteList<T>;

  constructor(targets: readonly T[]) {
    const exact = new Map<string, Route<T>[]>();
    const wildcard = new Map<string, Route<T>[]>();
    const any: Route<T>[] = [];
    for (const target of targets) {
      const { hosts, contextRoots } = target.config;
      for (const root of contextRoots) {
        const route = { root, target };
        if (hosts.length === 0) any.push(route);
        for (const host of hosts) {
          if (host.startsWith('*.')) push(wildcard, host.slice(2), route);
          else push(exact, host, route);
        }
      }
    }
    for (const list of exact.values()) sortRoutes(list);
    for (const list of wildcard.values()) sortRoutes(list);
    sortRoutes(any);
    this.targets = Object.freeze([...targets]);
    this.exact = exact;
    this.wildcard = wildcard;
    this.any = Object.freeze(any);
  }

  /**
   * Host first (exact, then wildcard, then any host), then the longest context root.
   * A host whose own routes do not cover the path falls through to the less specific
   * host kinds, so a catch-all "/" with no hosts serves whatever nothing else claims.
   */
  match(host: string, path: string): Match<T> | undefined {
    const exact = this.exact.get(host);
    if (exact) {
      const m = firstMatch(exact, path);
      if (m) return m;
    }
    if (this.wildcard.size > 0) {
      const suffix = wildcardSuffix(host);
      const wild = suffix === undefined ? undefined : this.wildcard.get(suffix);
      if (wild) {
        const m = firstMatch(wild, path);
        if (m) return m;
      }
    }
    return firstMatch(this.any, path);
  }
}

function firstMatch<T>(routes: RouteList<T>, path: string): Match<T> | undefined {
  for (const route of routes) {
    if (rootMatches(route.root, path)) return { target: route.target, contextRoot: route.root };
  }
  return undefined;
}

function push<T>(map: Map<string, Route<T>[]>, key: string, route: Route<T>): void {
  const list = map.get(key);
  if (list) list.push(route);
  else map.set(key, [route]);
}

function sortRoutes<T extends { config: TargetConfig }>(routes: Route<T>[]): void {
  // Longest root first; equal roots cannot occur (translate rejects conflicts), but keep the
  // order total anyway so a table is a function of its input.
  routes.sort((a, b) => b.root.length - a.root.length || cmp(a.root, b.root) || cmp(a.target.config.id, b.target.config.id));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
