// byRequests: nginx's smooth weighted round robin. Weights 3:1 give A A B A, not A A A B:
// each pick adds every eligible server's weight to its running score, takes the highest,
// and charges it the total, so heavy servers are spread through the cycle.
import { alwaysAvailable, regularThenBackup, type Availability, type Balancer, type Weighted } from './types.ts';

export class SmoothRoundRobin<S extends Weighted> implements Balancer<S> {
  private readonly regular: S[];
  private readonly backups: S[];
  private readonly scores = new Map<S, number>();
  private readonly available: Availability<S>;

  constructor(servers: readonly S[], available: Availability<S> = alwaysAvailable) {
    this.regular = servers.filter((s) => !s.backup);
    this.backups = servers.filter((s) => s.backup);
    for (const s of servers) this.scores.set(s, 0);
    this.available = available;
  }

  pick(exclude?: ReadonlySet<S>): S | undefined {
    return regularThenBackup(this.regular, this.backups, (servers) => this.pickFrom(servers, exclude));
  }

  private pickFrom(servers: readonly S[], exclude: ReadonlySet<S> | undefined): S | undefined {
    let best: S | undefined;
    let bestScore = -Infinity;
    let total = 0;
    for (const s of servers) {
      if (exclude?.has(s) || !this.available(s)) continue;
      const score = (this.scores.get(s) ?? 0) + s.weight;
      this.scores.set(s, score);
      total += s.weight;
      if (score > bestScore) {
        best = s;
        bestScore = score;
      }
    }
    if (best) this.scores.set(best, bestScore - total);
    return best;
  }
}
