import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Informer } from '../../src/kube/informer.ts';
import type { KubeObject } from '../../src/kube/resources.ts';
import { FakeApiServer, json, obj } from './fake-apiserver.ts';

const TYPE = { apiVersion: 'example.dev/v1', kind: 'Widget', plural: 'widgets' };
const PATH = '/apis/example.dev/v1/widgets';
const log = pino({ level: 'silent' });

let api: FakeApiServer;
let informer: Informer<KubeObject> | undefined;
const calls: string[] = [];

function start(options: Partial<ConstructorParameters<typeof Informer>[0]> = {}): Informer<KubeObject> {
  informer = new Informer<KubeObject>({
    rest: api.rest(),
    type: TYPE,
    logger: log,
    backoff: { initialMs: 20, maxMs: 80, jitter: 0 },
    handlers: {
      add: (o) => calls.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}`),
      update: (o, old) => calls.push(`update ${o.metadata.name}@${old.metadata.resourceVersion}->${o.metadata.resourceVersion}`),
      delete: (o) => calls.push(`delete ${o.metadata.name}`),
    },
    ...options,
  });
  informer.start();
  return informer;
}

/** Resolves once `calls` has at least n entries (handlers run as events arrive). */
async function callsReach(n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (calls.length < n) {
    if (Date.now() > deadline) throw new Error(`only ${calls.length} calls: ${calls.join(', ')}`);
    await new Promise((r) => setImmediate(r));
  }
}

beforeEach(async () => {
  api = await FakeApiServer.start();
  calls.length = 0;
});

afterEach(async () => {
  await informer?.stop();
  informer = undefined;
  await api.close();
});

describe('Informer', () => {
  it('lists, resolves synced, then follows watch events from the list resource version', async () => {
    api.lists.set(PATH, { resourceVersion: '10', items: [obj('a', '5'), obj('b', '6')] });
    const inf = start();
    await inf.synced;
    expect(calls).toEqual(['add a@5', 'add b@6']);
    expect(inf.list().map((o) => o.apiVersion)).toEqual(['example.dev/v1', 'example.dev/v1']); // list items carry none
    const w = await api.watch(PATH, 0);
    expect(w.query.get('resourceVersion')).toBe('10');
    expect(w.query.get('allowWatchBookmarks')).toBe('true');
    w.send('MODIFIED', obj('a', '11'));
    w.send('ADDED', obj('c', '12'));
    w.send('DELETED', obj('b', '13'));
    await callsReach(5);
    expect(calls.slice(2)).toEqual(['update a@5->11', 'add c@12', 'delete b']);
    expect(inf.get('ns', 'a')?.metadata.resourceVersion).toBe('11');
    expect(inf.get('ns', 'b')).toBeUndefined();
  });

  it('relists on a 410 Gone and reports what changed meanwhile as adds, updates and deletes', async () => {
    api.lists.set(PATH, { resourceVersion: '10', items: [obj('a', '5'), obj('b', '6')] });
    const inf = start();
    await inf.synced;
    const w = await api.watch(PATH, 0);
    api.lists.set(PATH, { resourceVersion: '30', items: [obj('a', '5'), obj('c', '25')] });
    w.send('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' });
    const second = await api.watch(PATH, 1);
    expect(second.query.get('resourceVersion')).toBe('30');
    expect(calls.slice(2)).toEqual(['delete b', 'add c@25']);
    expect(inf.stats.relists).toBe(2);
  });

  it('restarts a watch that stays silent past its timeout, from the last version it saw, without relisting', async () => {
    api.lists.set(PATH, { resourceVersion: '10', items: [] });
    const inf = start({ watchTimeoutMs: 150 });
    const w = await api.watch(PATH, 0);
    w.send('BOOKMARK', { kind: 'Widget', metadata: { resourceVersion: '17' } });
    const started = Date.now();
    const next = await api.watch(PATH, 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(next.query.get('resourceVersion')).toBe('17');
    expect(inf.stats.relists).toBe(1);
  });

  it('keeps a watch that gets bookmarks in time', async () => {
    api.lists.set(PATH, { resourceVersion: '10', items: [] });
    const inf = start({ watchTimeoutMs: 300 });
    const w = await api.watch(PATH, 0);
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 100));
      w.send('BOOKMARK', { kind: 'Widget', metadata: { resourceVersion: String(20 + i) } });
    }
    expect(inf.stats.watches).toBe(1);
  });

  it('retries a failing list with capped, growing delays and syncs once the API server answers', async () => {
    let failures = 4;
    api.scripts.push((req, res) => req.query.get('watch') !== '1' && failures-- > 0 && json(res, 500, { kind: 'Status', code: 500, message: 'etcd down' }));
    api.lists.set(PATH, { resourceVersion: '10', items: [obj('a', '1')] });
    const inf = start();
    await inf.synced;
    const lists = api.seen.filter((r) => r.query.get('watch') !== '1');
    expect(lists).toHaveLength(5);
    const gaps = lists.slice(1).map((r, i) => r.at - lists[i]!.at);
    // 20, 40, 80, then capped at 80 (no jitter in this test); timers never fire early.
    expect(gaps.map((g, i) => g >= [20, 40, 80, 80][i]! - 2)).toEqual([true, true, true, true]);
    expect(gaps[3]).toBeLessThan(160);
    expect(calls).toEqual(['add a@1']);
  });

  it('reconnects a watch the server closed, from the last resource version, and keeps its cache', async () => {
    api.lists.set(PATH, { resourceVersion: '10', items: [obj('a', '1')] });
    const inf = start();
    const w = await api.watch(PATH, 0);
    w.send('MODIFIED', obj('a', '14'));
    await callsReach(2);
    w.end();
    const next = await api.watch(PATH, 1);
    expect(next.query.get('resourceVersion')).toBe('14');
    expect(inf.stats.relists).toBe(1);
    expect(inf.list()).toHaveLength(1);
  });

  it('treats a watch that fails to connect as an error and tries again', async () => {
    api.lists.set(PATH, { resourceVersion: '10', items: [] });
    let refusals = 2;
    api.scripts.push((req, res) => req.query.get('watch') === '1' && refusals-- > 0 && json(res, 503, { kind: 'Status', code: 503 }));
    start();
    const w = await api.watch(PATH, 0);
    expect(w.query.get('resourceVersion')).toBe('10');
    expect(api.seen.filter((r) => r.query.get('watch') === '1')).toHaveLength(3);
  });

  it('stops: no request is made after stop() resolves', async () => {
    api.lists.set(PATH, { resourceVersion: '10', items: [] });
    const inf = start();
    await api.watch(PATH, 0);
    await inf.stop();
    const count = api.seen.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(api.seen).toHaveLength(count);
  });
});
