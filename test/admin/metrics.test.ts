import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { AdminView } from '../../src/admin/status.ts';
import { request, startPlane, target, type TestPlane } from '../helpers/plane.ts';
import { rawRequest } from '../helpers/raw.ts';
import { freePort, startHoldingUpstream, startUpstream, tracker, type TestUpstream } from '../helpers/upstream.ts';
import { parseProm, scrape, select, valueOf, type Sample } from './prom-text.ts';

const track = tracker();
afterEach(track.closeAll);

const STANDARD = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE'];

/** Answers 500 on /app/fail, otherwise 200 with its name. */
const scripted = (name: string): Promise<TestUpstream> =>
  startUpstream(name, (req, res) => {
    const fail = req.url === '/app/fail';
    res.writeHead(fail ? 500 : 200, { 'content-type': 'text/plain' });
    res.end(fail ? 'broken' : `${name} says hello`);
  });

/** One request per connection, so the bytes the client saw are exactly this exchange's. */
const raw = (port: number, method: string, path: string, host = 't.example', body = ''): string =>
  `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n` + (body || method === 'POST' ? `Content-Length: ${body.length}\r\n` : '') + `\r\n${body}`;

/** Every histogram series: cumulative buckets in order, +Inf equal to the count, a sum. */
function expectSaneHistograms(samples: readonly Sample[], name: string): number {
  const counts = select(samples, `${name}_count`);
  expect(counts.length).toBeGreaterThan(0);
  for (const count of counts) {
    const labels = count.labels;
    const buckets = select(samples, `${name}_bucket`, labels).filter((b) => Object.keys(b.labels).length === Object.keys(labels).length + 1);
    const bounds = buckets.map((b) => (b.labels['le'] === '+Inf' ? Infinity : Number(b.labels['le'])));
    expect(bounds.length).toBeGreaterThan(5);
    expect(bounds).toEqual([...bounds].sort((a, b) => a - b));
    expect(bounds.at(-1)).toBe(Infinity);
    const values = buckets.map((b) => b.value);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]!);
    expect(values.at(-1)).toBe(count.value);
    const sum = valueOf(samples, `${name}_sum`, labels);
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(count.value * 10); // nothing here takes ten seconds
  }
  return counts.length;
}

describe('metric values after scripted traffic', () => {
  it('counts requests per target, server, method and code, with exact bytes and matching histograms', async () => {
    const a = await track(scripted('a'));
    const b = await track(scripted('b'));
    const tp = await track(startPlane([target('ns/app', ['/app'], [{ port: a.port, route: 'a' }, { port: b.port, route: 'b' }])]));

    const script: Array<[string, string, string?]> = [
      ['GET', '/app/x'],
      ['GET', '/app/x?q=1'],
      ['GET', '/app/y'],
      ['GET', '/app/z'],
      ['POST', '/app/form', 'hello=world'],
      ['POST', '/app/form', 'a=1'],
      ['GET', '/app/fail'],
      ['GET', '/app/fail'],
      ['DELETE', '/app/x'],
      ['PROPFIND', '/app/dav'], // outside the standard set: OTHER
    ];
    let bytesIn = 0;
    let bytesOut = 0;
    for (const [method, path, body] of script) {
      const payload = raw(tp.port, method, path, 't.example', body);
      const answer = await rawRequest(tp.port, payload);
      expect(answer.closed).toBe(true);
      bytesIn += Buffer.byteLength(payload);
      bytesOut += Buffer.byteLength(answer.text, 'latin1');
    }
    expect((await rawRequest(tp.port, raw(tp.port, 'GET', '/nowhere'))).status).toBe(404);

    const samples = await scrape(tp.adminPort);
    // What each server saw decides the expected series: the upstream's own record, not the balancer's order.
    const expected = new Map<string, number>();
    for (const up of [a, b]) {
      expect(up.seen.length).toBeGreaterThan(0);
      for (const seen of up.seen) {
        const method = STANDARD.includes(seen.method) ? seen.method : 'OTHER';
        const key = JSON.stringify({ target: 'ns/app', server: up.name, method, code: seen.url === '/app/fail' ? '500' : '200' });
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
    }
    const actual = new Map(select(samples, 'passthru_requests_total', { target: 'ns/app' }).map((s) => [JSON.stringify(s.labels), s.value]));
    expect(actual).toEqual(expected);
    expect(valueOf(samples, 'passthru_requests_total', { target: 'none', server: 'none', method: 'GET', code: '404' })).toBe(1);
    expect(select(samples, 'passthru_requests_total', { method: 'OTHER' }).map((s) => s.value)).toEqual([1]);

    expect(valueOf(samples, 'passthru_bytes_received_total', { target: 'ns/app' })).toBe(bytesIn);
    expect(valueOf(samples, 'passthru_bytes_sent_total', { target: 'ns/app' })).toBe(bytesOut);
    expect(valueOf(samples, 'passthru_request_duration_seconds_count', { target: 'ns/app' })).toBe(script.length);
    expect(valueOf(samples, 'passthru_request_duration_seconds_count', { target: 'none' })).toBe(1);
    for (const up of [a, b]) {
      expect(valueOf(samples, 'passthru_upstream_duration_seconds_count', { target: 'ns/app', server: up.name })).toBe(up.seen.length);
      expect(valueOf(samples, 'passthru_server_up', { target: 'ns/app', server: up.name })).toBe(1);
      expect(valueOf(samples, 'passthru_server_in_flight', { target: 'ns/app', server: up.name })).toBe(0);
    }
    expect(expectSaneHistograms(samples, 'passthru_request_duration_seconds')).toBe(2);
    expect(expectSaneHistograms(samples, 'passthru_upstream_duration_seconds')).toBe(2);
    expect(select(samples, 'passthru_retries_total')).toEqual([]);
  });

  it('counts retries per target, and the request under the server that answered', async () => {
    const live = await track(startUpstream('live'));
    const dead = await freePort();
    const tp = await track(startPlane([target('ns/retry', ['/r'], [{ port: dead, route: 'dead' }, { port: live.port, route: 'live' }], { retries: 2 })]));
    for (let i = 0; i < 4; i++) expect((await request(tp.port, { path: '/r' })).body).toBe('live');

    const status = (await (await fetch(`http://127.0.0.1:${tp.adminPort}/api/targets`)).json()) as AdminView;
    const deadErrors = status.targets[0]!.servers.find((s) => s.route === 'dead')!.errors;
    expect(deadErrors).toBeGreaterThanOrEqual(1); // round robin sent at least one request there first
    const samples = await scrape(tp.adminPort);
    expect(valueOf(samples, 'passthru_retries_total', { target: 'ns/retry' })).toBe(deadErrors);
    expect(valueOf(samples, 'passthru_requests_total', { target: 'ns/retry', server: 'live', method: 'GET', code: '200' })).toBe(4);
    expect(select(samples, 'passthru_requests_total', { server: 'dead' })).toEqual([]);
    expect(valueOf(samples, 'passthru_upstream_duration_seconds_count', { target: 'ns/retry', server: 'live' })).toBe(4);
    expect(select(samples, 'passthru_upstream_duration_seconds_count', { server: 'dead' })).toEqual([]);
  });

  it('shows requests in flight and open connections while a request is held, and 0 once it ends', async () => {
    const held = await startHoldingUpstream('h', '/hold');
    track(Promise.resolve(held.up));
    const tp = await track(startPlane([target('ns/hold', ['/hold'], [{ port: held.up.port, route: 'h' }])]));
    const answer = request(tp.port, { path: '/hold' });
    await held.arrived;
    let samples = await scrape(tp.adminPort);
    expect(valueOf(samples, 'passthru_server_in_flight', { target: 'ns/hold', server: 'h' })).toBe(1);
    expect(valueOf(samples, 'passthru_open_connections', { listener: 'traffic' })).toBe(1);
    held.release('done');
    expect((await answer).body).toBe('done');
    samples = await scrape(tp.adminPort);
    expect(valueOf(samples, 'passthru_server_in_flight', { target: 'ns/hold', server: 'h' })).toBe(0);
    await expect.poll(async () => valueOf(await scrape(tp.adminPort), 'passthru_open_connections', { listener: 'traffic' })).toBe(0);
  });

  it('tracks configuration reloads, target counts and the servers of the current configuration only', async () => {
    const before = Date.now() / 1000;
    const a = await track(startUpstream('a'));
    const tp: TestPlane = await track(startPlane([target('ns/one', ['/one'], [{ port: a.port, route: 'a' }]), target('ns/two', ['/two'], [{ port: a.port, route: 'x' }])]));
    let samples = await scrape(tp.adminPort);
    expect(valueOf(samples, 'passthru_config_reloads_total', { result: 'success' })).toBe(1);
    expect(valueOf(samples, 'passthru_targets', { state: 'accepted' })).toBe(2);
    expect(valueOf(samples, 'passthru_targets', { state: 'rejected' })).toBe(0);
    const stamp = valueOf(samples, 'passthru_config_last_reload_success_timestamp_seconds');
    expect(stamp).toBeGreaterThanOrEqual(Math.floor(before));
    expect(stamp).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    expect(select(samples, 'passthru_server_up').map((s) => s.labels)).toEqual([
      { target: 'ns/one', server: 'a' },
      { target: 'ns/two', server: 'x' },
    ]);

    tp.apply(
      [target('ns/one', ['/one'], [{ port: a.port, route: 'a' }])],
      [
        { id: 'ns/one', accepted: true, reason: 'Valid', message: '' },
        { id: 'ns/two', accepted: false, reason: 'Conflict', message: 'claimed by ns/one' },
      ],
    );
    samples = await scrape(tp.adminPort);
    expect(valueOf(samples, 'passthru_config_reloads_total', { result: 'success' })).toBe(2);
    expect(valueOf(samples, 'passthru_targets', { state: 'accepted' })).toBe(1);
    expect(valueOf(samples, 'passthru_targets', { state: 'rejected' })).toBe(1);
    expect(select(samples, 'passthru_server_up').map((s) => s.labels)).toEqual([{ target: 'ns/one', server: 'a' }]);
    expect(select(samples, 'passthru_server_in_flight').map((s) => s.labels)).toEqual([{ target: 'ns/one', server: 'a' }]);
  });

  it("exposes Node's process metrics on the same registry under their usual names", async () => {
    const tp = await track(startPlane([]));
    const names = new Set((await scrape(tp.adminPort)).map((s) => s.name));
    for (const name of ['nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes', 'process_cpu_seconds_total', 'nodejs_version_info']) {
      expect(names, name).toContain(name);
    }
  });
});

describe('label cardinality', () => {
  it('stays bounded under a flood of random paths, methods and hosts', async () => {
    const a = await track(startUpstream('a'));
    const b = await track(startUpstream('b'));
    const tp = await track(startPlane([target('ns/app', ['/app'], [{ port: a.port, route: 'a' }, { port: b.port, route: 'b' }])]));
    const methods = [...STANDARD, 'PROPFIND', 'MKCOL', 'PURGE', 'LOCK', 'SEARCH', 'FOO', 'XYZZY'];
    const secrets: string[] = [];
    const pick = <T,>(list: readonly T[]): T => list[randomBytes(1)[0]! % list.length]!;
    const payloads = Array.from({ length: 200 }, (_, i) => {
      const token = randomBytes(6).toString('hex');
      secrets.push(token);
      const path = `${i % 2 ? '/app' : ''}/${token}/${randomBytes(3).toString('hex')}?id=${token}`;
      return raw(tp.port, pick(methods), path, `h${token}.example`);
    });
    for (let i = 0; i < payloads.length; i += 25) await Promise.all(payloads.slice(i, i + 25).map((p) => rawRequest(tp.port, p)));

    const text = await (await fetch(`http://127.0.0.1:${tp.adminPort}/metrics`)).text();
    const series = select(parseProm(text), 'passthru_requests_total');
    const values = (label: string): Set<string> => new Set(series.map((s) => s.labels[label]!));
    expect([...values('target')].sort()).toEqual(['none', 'ns/app']);
    expect(new Set([...values('server')])).toEqual(new Set(['a', 'b', 'none']));
    for (const m of values('method')) expect([...STANDARD, 'OTHER']).toContain(m);
    expect(values('method')).toContain('OTHER');
    for (const c of values('code')) expect(c).toMatch(/^[1-5]\d\d$/);
    expect(series.length).toBeLessThan(60);
    expect(series.reduce((n, s) => n + s.value, 0)).toBeGreaterThan(150); // most reached the handler; FOO-like ones Node refuses itself
    for (const token of secrets) expect(text).not.toContain(token);
  });
});
