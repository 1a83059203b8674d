import { describe, expect, it } from 'vitest';
import { recordFailure, recordSuccess } from '../../src/health/outlier.ts';
import { ServerState } from '../../src/health/server-state.ts';

const outlier = { consecutiveFailures: 3, ejectionTimeMs: 10_000, maxEjectionPercent: 50 };
const servers = (n: number): ServerState[] => Array.from({ length: n }, (_, i) => new ServerState(`k${i}`, 't', `s${i}`, undefined, outlier, 0));

describe('passive ejection', () => {
  it('ejects after consecutiveFailures in a row; a success resets the run', () => {
    const [a, ...rest] = servers(4);
    const peers = [a!, ...rest];
    expect(recordFailure(a!, peers, 'gateway_error', 0)).toBeUndefined();
    expect(recordFailure(a!, peers, 'gateway_error', 0)).toBeUndefined();
    recordSuccess(a!);
    expect(recordFailure(a!, peers, 'gateway_error', 0)).toBeUndefined();
    expect(recordFailure(a!, peers, 'gateway_error', 0)).toBeUndefined();
    expect(recordFailure(a!, peers, 'connect_failure', 100)).toMatchObject({ reason: 'connect_failure', durationMs: 10_000 });
    expect(a!.state(100)).toBe('ejected');
    expect(a!.state(10_099)).toBe('ejected');
    expect(a!.state(10_100)).toBe('healthy');
  });

  it('ejects for longer on each repeat, and forgives with time', () => {
    const peers = servers(4);
    const a = peers[0]!;
    const eject = (at: number): number | undefined => {
      let last;
      for (let i = 0; i < 3; i++) last = recordFailure(a, peers, 'reset', at);
      return last?.durationMs;
    };
    expect(eject(0)).toBe(10_000);
    expect(eject(10_000)).toBe(20_000);
    expect(eject(30_000)).toBe(30_000);
    // back at 60 s, then quiet for 60 s (6 ejection times): the multiplier decays to 0 and restarts
    expect(eject(120_000)).toBe(10_000);
  });

  it('never ejects more than maxEjectionPercent of the servers while some still work', () => {
    const peers = servers(4);
    const fail3 = (s: ServerState): unknown => [1, 2, 3].map(() => recordFailure(s, peers, 'reset', 0)).pop();
    expect(fail3(peers[0]!)).toBeDefined();
    expect(fail3(peers[1]!)).toBeDefined(); // 2 of 4 = 50%
    expect(fail3(peers[2]!)).toBeUndefined(); // a third would be 75%
    expect(peers.map((s) => s.state(1))).toEqual(['ejected', 'ejected', 'healthy', 'healthy']);
  });

  it('ejects past the limit when every server is failing', () => {
    const peers = servers(2);
    const fail3 = (s: ServerState): unknown => [1, 2, 3].map(() => recordFailure(s, peers, 'connect_failure', 0)).pop();
    expect(fail3(peers[0]!)).toBeDefined();
    // 2 of 2 is over 50%, but a is ejected and b is failing too: nothing works, so b goes as
    // well and requests get a quick 503 instead of waiting on dead servers.
    expect(fail3(peers[1]!)).toBeDefined();
    expect(peers.map((s) => s.state(1))).toEqual(['ejected', 'ejected']);
  });
});
