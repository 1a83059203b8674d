import { describe, expect, it } from 'vitest';
import type { TargetStatusView } from '../../src/admin/status.ts';
import { renderStatus, statusFacts } from '../../src/controller/status.ts';
import type { TargetStatus } from '../../src/controller/translate.ts';

const ok: TargetStatus = { id: 'ns/app', accepted: true, reason: 'Valid', message: '' };
const view = (...states: string[]): TargetStatusView =>
  ({
    servers: states.map((state, i) => ({ host: `h${i}`, port: 80, route: `s${i}`, state, since: '2026-01-01T00:00:00.000Z' })),
  }) as unknown as TargetStatusView;

describe('target status', () => {
  it('says Accepted and Ready, lists servers with their state, and sums up healthy/total', () => {
    const status = renderStatus(undefined, statusFacts(ok, view('healthy', 'draining', 'ejected'), 4), 'T1');
    expect(status).toEqual({
      observedGeneration: 4,
      conditions: [
        { type: 'Accepted', status: 'True', reason: 'Valid', message: '', lastTransitionTime: 'T1', observedGeneration: 4 },
        { type: 'Ready', status: 'True', reason: 'Healthy', message: '1 of 3 servers healthy', lastTransitionTime: 'T1', observedGeneration: 4 },
      ],
      servers: [
        { host: 'h0', port: 80, route: 's0', state: 'healthy', since: '2026-01-01T00:00:00.000Z' },
        { host: 'h1', port: 80, route: 's1', state: 'draining', since: '2026-01-01T00:00:00.000Z' },
        { host: 'h2', port: 80, route: 's2', state: 'ejected', since: '2026-01-01T00:00:00.000Z' },
      ],
      healthyServers: 1,
      serverSummary: '1/3',
    });
  });

  it('moves lastTransitionTime only when a condition flips; observedGeneration follows every generation', () => {
    const first = renderStatus(undefined, statusFacts(ok, view('healthy'), 1), 'T1');
    const same = renderStatus(first, statusFacts(ok, view('healthy', 'unhealthy'), 2), 'T2');
    expect(same.conditions.map((c) => [c.type, c.lastTransitionTime, c.observedGeneration, c.message])).toEqual([
      ['Accepted', 'T1', 2, ''],
      ['Ready', 'T1', 2, '1 of 2 servers healthy'],
    ]);
    const down = renderStatus(same, statusFacts(ok, view('unhealthy', 'unhealthy'), 2), 'T3');
    expect(down.conditions.map((c) => [c.type, c.status, c.reason, c.lastTransitionTime])).toEqual([
      ['Accepted', 'True', 'Valid', 'T1'],
      ['Ready', 'False', 'NoHealthyServers', 'T3'],
    ]);
  });

  it('reports a rejected target as not accepted and not ready, with no servers', () => {
    const rejected: TargetStatus = { id: 'ns/app', accepted: false, reason: 'Conflict', message: 'context root "/" (any host) is already served by ReverseProxyTarget ns/old' };
    const status = renderStatus(undefined, statusFacts(rejected, undefined, 1), 'T1');
    expect(status.conditions.map((c) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['Accepted', 'False', 'Conflict', rejected.message],
      ['Ready', 'False', 'NotAccepted', 'the target is not accepted (Conflict)'],
    ]);
    expect(status.serverSummary).toBe('0/0');
  });

  it('keeps conditions of other types as they are', () => {
    const theirs = { type: 'example.com/Audited', status: 'True', reason: 'Done', message: '', lastTransitionTime: 'T0' };
    const status = renderStatus({ conditions: [theirs] }, statusFacts(ok, view('healthy'), 1), 'T1');
    expect(status.conditions.map((c) => c.type)).toEqual(['Accepted', 'Ready', 'example.com/Audited']);
  });
});
