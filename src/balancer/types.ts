// What balancing needs to know of a server; the proxy's runtime servers satisfy it.
export interface LoadStats {
  /** Requests being served right now (byBusyness). */
  readonly inFlight: number;
  /** Bytes to and from the server so far (byTraffic). */
  readonly traffic: number;
}

export interface Weighted {
  readonly weight: number;
  readonly backup: boolean;
  readonly stats?: LoadStats;
}

export interface Balancer<S extends Weighted> {
  /**
   * The next server for a request, skipping those in `exclude` (already tried for this
   * request) and those `available` rejects; regular servers first, backups only when no
   * regular one can take it. Undefined when none can.
   */
  pick(exclude?: ReadonlySet<S>): S | undefined;
}

export type Availability<S> = (server: S) => boolean;
export const alwaysAvailable = (): boolean => true;

/** Runs `choose` over the regular servers, then over the backups if it found none. */
export function regularThenBackup<S extends Weighted>(
  regular: readonly S[],
  backups: readonly S[],
  choose: (servers: readonly S[]) => S | undefined,
): S | undefined {
  return choose(regular) ?? (backups.length > 0 ? choose(backups) : undefined);
}
