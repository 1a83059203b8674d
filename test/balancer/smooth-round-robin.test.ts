import { describe, expect, it } from 'vitest';
import { SmoothRoundRobin } from '../../src/balancer/smooth-round-robin.ts';

interface S {
  name: string;
  weight: number;
  backup: boolean;
}
const s = (name: string, weight = 1, backup = false): S => ({ name, weight, backup });

function sequence(servers: S[], n: number, available?: (x: S) => boolean): string[] {
  const rr = new SmoothRoundRobin(servers, available);
  return Array.from({ length: n }, () => rr.pick()?.name ?? '-');
}

describe('byRequests (smooth weighted round robin)', () => {
  it('interleaves weights 3:1 instead of bursting', () => {
    expect(sequence([s('A', 3), s('B', 1)], 8)).toEqual(['A', 'A', 'B', 'A', 'A', 'A', 'B', 'A']);
  });

  it('spreads 5:1:1 as nginx does', () => {
    expect(sequence([s('A', 5), s('B'), s('C')], 7)).toEqual(['A', 'A', 'B', 'A', 'C', 'A', 'A']);
  });

  it('takes turns with equal weights', () => {
    expect(sequence([s('A'), s('B'), s('C')], 6)).toEqual(['A', 'B', 'C', 'A', 'B', 'C']);
  });

  it('gives each server its weighted share over many picks', () => {
    const picks = sequence([s('A', 50), s('B', 30), s('C', 20)], 1000);
    const count = (n: string): number => picks.filter((p) => p === n).length;
    expect([count('A'), count('B'), count('C')]).toEqual([500, 300, 200]);
  });

  it('uses backups only when no regular server can take the request', () => {
    const servers = [s('A'), s('B'), s('standby', 1, true)];
    expect(sequence(servers, 4)).toEqual(['A', 'B', 'A', 'B']);
    expect(sequence(servers, 2, (x) => x.name === 'standby')).toEqual(['standby', 'standby']);
  });

  it('skips servers already tried for this request, then has none left', () => {
    const servers = [s('A'), s('B'), s('C', 1, true)];
    const rr = new SmoothRoundRobin(servers);
    const tried = new Set<S>();
    const order: string[] = [];
    for (let next = rr.pick(tried); next; next = rr.pick(tried)) {
      order.push(next.name);
      tried.add(next);
    }
    expect(order).toEqual(['A', 'B', 'C']);
  });

  it('answers undefined when every server is unavailable', () => {
    expect(sequence([s('A'), s('B', 1, true)], 1, () => false)).toEqual(['-']);
  });
});
