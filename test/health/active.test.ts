import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { HealthCheckSpec } from '../../src/api/types.ts';
import { applyResult } from '../../src/health/active.ts';
import type { Probe, ProbeResult } from '../../src/health/probe.ts';
import { statusExpected } from '../../src/health/probe.ts';
import { HealthRegistry } from '../../src/health/registry.ts';
import { ServerState } from '../../src/health/server-state.ts';
import { target } from '../helpers/plane.ts';
import { ManualClock } from '../helpers/manual-clock.ts';

const check: HealthCheckSpec = { path: '/health', intervalMs: 1_000, timeoutMs: 500, healthyThreshold: 2, unhealthyThreshold: 3, expectStatus: [[200, 399]] };
const outlier = { consecutiveFailures: 5, ejectionTimeMs: 30_000, maxEjectionPercent: 50 };
const OK: ProbeResult = { ok: true, status: 200 };
const BAD: ProbeResult = { ok: false, status: 500 };

describe('active check thresholds', () => {
  it('starts unhealthy and needs healthyThreshold passes in a row', () => {
    const s = new ServerState('k', 't', 'r', check, outlier, 0);
    expect(s.state(0)).toBe('unhealthy');
    expect(applyResult(s, OK, 1)).toBe(false);
    expect(applyResult(s, BAD, 2)).toBe(false); // the run of passes is broken
    expect(applyResult(s, OK, 3)).toBe(false);
    expect(applyResult(s, OK, 4)).toBe(true);
    expect(s.state(4)).toBe('healthy');
  });

  it('goes unhealthy only after unhealthyThreshold failures in a row', () => {
    const s = new ServerState('k', 't', 'r', check, outlier, 0);
    applyResult(s, OK, 1);
    applyResult(s, OK, 2);
    const flips = [BAD, BAD, OK, BAD, BAD, BAD].map((r, i) => applyResult(s, r, 10 + i));
    expect(flips).toEqual([false, false, false, false, false, true]);
    expect(s.state(20)).toBe('unhealthy');
    expect(s.lastCheck).toEqual({ at: 15, ok: false, status: 500 });
  });

  it('is healthy from the start when no checks are configured', () => {
    expect(new ServerState('k', 't', 'r', undefined, outlier, 0).state(0)).toBe('healthy');
  });

  it.each([
    [200, true],
    [399, true],
    [404, false],
    [500, false],
  ])('status %i against 200-399 -> %s', (status, ok) => {
    expect(statusExpected(status, check.expectStatus)).toBe(ok);
  });
});

describe('probing on a manual clock', () => {
  function setup(results: Map<string, ProbeResult[]>): { clock: ManualClock; health: HealthRegistry; probes: string[] } {
    const clock = new ManualClock();
    const probes: string[] = [];
    const probe: Probe = (server) => {
      const key = `${server.host}:${server.port}`;
      probes.push(key);
      const queue = results.get(key) ?? [];
      return Promise.resolve(queue.length > 1 ? queue.shift()! : (queue[0] ?? OK));
    };
    // random() = 0.5: no jitter, so the intervals below are exact.
    const health = new HealthRegistry(clock, probe, pino({ level: 'silent' }), {}, () => 0.5);
    return { clock, health, probes };
  }

  const checked = target('ns/app', ['/'], [{ port: 1, route: 'a' }, { port: 2, route: 'b' }], { healthCheck: check });

  it('probes every server each interval and applies the thresholds', async () => {
    const { clock, health, probes } = setup(new Map([['127.0.0.1:2', [OK, BAD, BAD, BAD, BAD]]]));
    health.sync([checked]);
    const [a, b] = health.targetStates('ns/app');
    expect([a!.state(clock.now()), b!.state(clock.now())]).toEqual(['unhealthy', 'unhealthy']);
    await clock.advance(50); // first probe after 5% of an interval
    expect(probes).toEqual(['127.0.0.1:1', '127.0.0.1:2']);
    await clock.advance(1_000);
    expect([a!.state(clock.now()), b!.state(clock.now())]).toEqual(['healthy', 'unhealthy']);
    expect(probes).toHaveLength(4);
    await clock.advance(3_000);
    expect(probes).toHaveLength(10);
    expect(b!.state(clock.now())).toBe('unhealthy');
  });

  it('keeps state across a reload when the identity is unchanged, and stops probing removed servers', async () => {
    const { clock, health, probes } = setup(new Map());
    health.sync([checked]);
    await clock.advance(1_100);
    const [a] = health.targetStates('ns/app');
    expect(a!.state(clock.now())).toBe('healthy');
    a!.override = 'draining';

    // Same servers, rebuilt config objects (as every reload makes): nothing resets.
    const same = target('ns/app', ['/', '/x'], [{ port: 1, route: 'a' }, { port: 2, route: 'b' }], { healthCheck: { ...check } });
    health.sync([same]);
    expect(health.targetStates('ns/app')[0]).toBe(a);
    expect(a!.state(clock.now())).toBe('draining');
    expect(clock.pending()).toBe(2);

    health.sync([target('ns/app', ['/'], [{ port: 1, route: 'a' }], { healthCheck: check })]);
    expect(health.probing()).toBe(1);
    const before = probes.length;
    await clock.advance(2_000);
    expect(probes.slice(before).every((p) => p === '127.0.0.1:1')).toBe(true);

    health.sync([]);
    expect(health.probing()).toBe(0);
    expect(clock.pending()).toBe(0); // no timer left behind
  });

  it('does not restart probe cycles when the configuration is rebuilt often', async () => {
    const { clock, health, probes } = setup(new Map());
    health.sync([checked]);
    for (let i = 0; i < 20; i++) {
      health.sync([target('ns/app', ['/'], [{ port: 1, route: 'a' }, { port: 2, route: 'b' }], { healthCheck: { ...check } })]);
      await clock.advance(100);
    }
    // 2 s of churn: one probe per server per interval, not one per rebuild.
    expect(probes.length).toBeLessThanOrEqual(6);
  });

  it('requires passing checks again after a server is ejected', async () => {
    const { clock, health } = setup(new Map());
    health.sync([target('ns/app', ['/'], [{ port: 1, route: 'a' }, { port: 2, route: 'b' }], { healthCheck: check, outlierDetection: { ...outlier, consecutiveFailures: 1 } })]);
    await clock.advance(1_100);
    const [a] = health.targetStates('ns/app');
    health.failed(a!, 'connect_failure');
    expect(a!.state(clock.now())).toBe('ejected');
    expect(a!.activeHealthy).toBe(false);
    await clock.advance(30_000);
    expect(a!.available(clock.now())).toBe(true); // checks kept passing meanwhile
  });
});
