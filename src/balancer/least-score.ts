// byBusyness and byTraffic: the server with the lowest score wins; ties go to the higher
// weight, then round robin (the first equal one after the last pick, so equal servers take
// turns instead of the first one taking everything).
import { alwaysAvailable, regularThenBackup, type Availability, type Balancer, type Weighted } from './types.ts';

export class LeastScore<S extends Weighted> implements Balancer<S> {
  private readonly regular: S[];
  private readonly backups: S[];
  private readonly available: Availability<S>;
  private readonly score: (s: S) => number;
  /** The last server picked, per group, for the round-robin tie break. */
  private readonly last = new Map<readonly S[], number>();

  constructor(servers: readonly S[], score: (s: S) => number, available: Availability<S> = alwaysAvailable) {
    this.regular = servers.filter((s) => !s.backup);
    this.backups = servers.filter((s) => s.backup);
    this.available = available;
    this.score = score;
  }

  pick(exclude?: ReadonlySet<S>): S | undefined {
    return regularThenBackup(this.regular, this.backups, (servers) => this.pickFrom(servers, exclude));
  }

  private pickFrom(servers: readonly S[], exclude: ReadonlySet<S> | undefined): S | undefined {
    const n = servers.length;
    const last = this.last.get(servers) ?? -1;
    let best = -1;
    let bestScore = Infinity;
    let bestDistance = n;
    for (let i = 0; i < n; i++) {
      const s = servers[i]!;
      if (exclude?.has(s) || !this.available(s)) continue;
      const score = this.score(s);
      const distance = (i - last - 1 + n) % n; // 0 = right after the last pick
      const b = servers[best];
      const better =
        b === undefined ||
        score < bestScore ||
        (score === bestScore && (s.weight > b.weight || (s.weight === b.weight && distance < bestDistance)));
      if (better) {
        best = i;
        bestScore = score;
        bestDistance = distance;
      }
    }
    if (best < 0) return undefined;
    this.last.set(servers, best);
    return servers[best];
  }
}

/** byBusyness: fewest requests in flight. */
export function byBusyness<S extends Weighted>(servers: readonly S[], available?: Availability<S>): LeastScore<S> {
  return new LeastScore(servers, (s) => s.stats?.inFlight ?? 0, available);
}

/**
 * byTraffic (mod_proxy's bytraffic): the fewest bytes transferred per unit of weight. Counted
 * from when this balancer was built, so a server added by a reload is not flooded until it
 * has caught up with servers that have run for days.
 */
export function byTraffic<S extends Weighted>(servers: readonly S[], available?: Availability<S>): LeastScore<S> {
  const baseline = new Map(servers.map((s) => [s, s.stats?.traffic ?? 0]));
  return new LeastScore(servers, (s) => ((s.stats?.traffic ?? 0) - (baseline.get(s) ?? 0)) / s.weight, available);
}
