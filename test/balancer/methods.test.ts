import { describe, expect, it } from 'vitest';
import { byBusyness, byTraffic } from '../../src/balancer/least-score.ts';
import { SmoothRoundRobin } from '../../src/balancer/smooth-round-robin.ts';

interface S {
  name: string;
  weight: number;
  backup: boolean;
  stats: { inFlight: number; traffic: number };
  up: boolean;
}
const s = (name: string, weight = 1, backup = false): S => ({ name, weight, backup, stats: { inFlight: 0, traffic: 0 }, up: true });
const names = (picks: Array<S | undefined>): string => picks.map((p) => p?.name ?? '-').join(' ');

describe('byBusyness: fewest in flight, then weight, then round robin', () => {
  it('sends each request to the least busy server', () => {
    const [a, b, c] = [s('A'), s('B'), s('C')];
    const lb = byBusyness([a, b, c]);
    const picks: S[] = [];
    for (let i = 0; i < 6; i++) {
      const p = lb.pick()!;
      p.stats.inFlight++; // none finish
      picks.push(p);
    }
    expect(names(picks)).toBe('A B C A B C');
  });

  it('breaks ties by weight, then takes turns among equals', () => {
    const [a, b, c] = [s('A', 1), s('B', 5), s('C', 5)];
    const lb = byBusyness([a, b, c]);
    expect(names([lb.pick(), lb.pick(), lb.pick(), lb.pick()])).toBe('B C B C');
    b.stats.inFlight = 2;
    c.stats.inFlight = 2;
    expect(names([lb.pick()])).toBe('A');
  });

  it('skips unavailable (ejected) servers, then uses the backup when none is left', () => {
    const servers = [s('A'), s('B'), s('standby', 1, true)];
    const lb = byBusyness(servers, (x) => x.up);
    servers[0]!.up = false;
    expect(names([lb.pick(), lb.pick()])).toBe('B B');
    servers[1]!.up = false;
    expect(names([lb.pick()])).toBe('standby');
    servers[2]!.up = false;
    expect(lb.pick()).toBeUndefined();
  });
});

describe('byTraffic: fewest bytes per unit of weight', () => {
  it('sends the next request to the server with the least weighted traffic', () => {
    const [a, b] = [s('A', 2), s('B', 1)];
    const lb = byTraffic([a, b]);
    const sequence: string[] = [];
    for (let i = 0; i < 6; i++) {
      const p = lb.pick()!;
      p.stats.traffic += 1000; // every response the same size
      sequence.push(p.name);
    }
    // A has twice the weight, so it carries twice the bytes.
    expect(sequence.join(' ')).toBe('A B A A B A');
    expect(a.stats.traffic / b.stats.traffic).toBe(2);
  });

  it('counts traffic from when the balancer was built, so a newly added server is not flooded', () => {
    const [old, fresh] = [s('old'), s('new')];
    old.stats.traffic = 1e9;
    const lb = byTraffic([old, fresh]);
    const picks = [0, 1, 2, 3].map(() => {
      const p = lb.pick()!;
      p.stats.traffic += 100;
      return p.name;
    });
    expect(picks.join(' ')).toBe('old new old new');
  });
});

describe('byRequests with ejections', () => {
  it('redistributes an ejected server\'s share by weight and takes it back on return', () => {
    const servers = [s('A', 2), s('B', 1), s('C', 1)];
    const lb = new SmoothRoundRobin(servers, (x) => x.up);
    expect(names([1, 2, 3, 4].map(() => lb.pick()))).toBe('A B C A');
    servers[0]!.up = false;
    expect(names([1, 2, 3, 4].map(() => lb.pick()))).toBe('B C B C');
    servers[0]!.up = true;
    expect(names([1, 2, 3, 4].map(() => lb.pick())).split(' ').filter((n) => n === 'A')).toHaveLength(2);
  });
});
