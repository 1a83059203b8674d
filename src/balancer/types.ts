// What a balancer needs to know of a server; the proxy's runtime servers satisfy it.
export interface Weighted {
  readonly weight: number;
  readonly backup: boolean;
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
