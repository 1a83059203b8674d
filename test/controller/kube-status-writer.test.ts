import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RPT_TYPE } from '../../src/kube/resources.ts';
import { StatusWriter, same, type StatusObject } from '../../src/kube/status-writer.ts';
import { TokenBucket } from '../../src/kube/token-bucket.ts';
import { FakeApiServer, json, type SeenRequest } from './fake-apiserver.ts';

const PATH = '/apis/passthru.dev/v1alpha1/namespaces/ns/reverseproxytargets/app';
let api: FakeApiServer;
let writer: StatusWriter | undefined;
let cached: StatusObject | undefined;
let rv = 100;
const patches: SeenRequest[] = [];

function makeWriter(active = true): StatusWriter {
  writer = new StatusWriter({ rest: api.rest(), type: RPT_TYPE, logger: pino({ level: 'silent' }), lookup: () => cached });
  writer.setActive(active);
  return writer;
}

/** The fake stores the patched status and bumps the resourceVersion, as the API server does. */
function acceptPatches(): void {
  api.scripts.push((req, res) => {
    if (req.method !== 'PATCH' || req.path !== `${PATH}/status`) return false;
    patches.push(req);
    const body = JSON.parse(req.body) as { metadata: { resourceVersion: string }; status: unknown };
    if (body.metadata.resourceVersion !== String(rv)) return json(res, 409, { kind: 'Status', code: 409, reason: 'Conflict', message: 'the object has been modified' });
    rv++;
    return json(res, 200, { ...cached, metadata: { ...cached!.metadata, resourceVersion: String(rv) }, status: body.status });
  });
  api.scripts.push((req, res) => req.method === 'GET' && req.path === PATH && json(res, 200, { ...cached, metadata: { ...cached!.metadata, resourceVersion: String(rv) } }));
}

beforeEach(async () => {
  api = await FakeApiServer.start();
  rv = 100;
  patches.length = 0;
  cached = { apiVersion: RPT_TYPE.apiVersion, kind: RPT_TYPE.kind, metadata: { name: 'app', namespace: 'ns', uid: 'u1', resourceVersion: '100' }, status: { healthyServers: 1 } };
  acceptPatches();
});

afterEach(async () => {
  await writer?.stop();
  writer = undefined;
  await api.close();
});

describe('StatusWriter', () => {
  it('sends a merge patch of status guarded by the resourceVersion, with its field manager', async () => {
    const w = makeWriter();
    w.enqueue('ns', 'app', () => ({ healthyServers: 2 }));
    await w.idle();
    expect(patches).toHaveLength(1);
    expect(patches[0]!.headers['content-type']).toBe('application/merge-patch+json');
    expect(patches[0]!.query.get('fieldManager')).toBe('passthru');
    expect(JSON.parse(patches[0]!.body)).toEqual({ metadata: { resourceVersion: '100' }, status: { healthyServers: 2 } });
  });

  it('skips a write that would change nothing', async () => {
    const w = makeWriter();
    w.enqueue('ns', 'app', () => ({ healthyServers: 1 }));
    await w.idle();
    expect(patches).toHaveLength(0);
    expect(w.stats.skipped).toBe(1);
  });

  it('does not write again what it just wrote, even before the informer has caught up', async () => {
    const w = makeWriter();
    w.enqueue('ns', 'app', () => ({ healthyServers: 2 }));
    await w.idle();
    w.enqueue('ns', 'app', () => ({ healthyServers: 2 }));
    await w.idle();
    expect(patches).toHaveLength(1);
  });

  it('merges wishes for one object that arrive before it is written: only the newest is sent', async () => {
    const w = makeWriter(false);
    for (const n of [2, 3, 4]) w.enqueue('ns', 'app', () => ({ healthyServers: n }));
    w.setActive(true);
    await w.idle();
    expect(patches.map((p) => (JSON.parse(p.body) as { status: unknown }).status)).toEqual([{ healthyServers: 4 }]);
  });

  it('on a conflict re-reads the object, renders against it and writes again', async () => {
    rv = 105; // someone else wrote since the informer saw 100
    const seenCurrent: unknown[] = [];
    const w = makeWriter();
    w.enqueue('ns', 'app', (current) => {
      seenCurrent.push(current);
      return { healthyServers: 7 };
    });
    await w.idle();
    expect(patches.map((p) => (JSON.parse(p.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion)).toEqual(['100', '105']);
    expect(seenCurrent).toHaveLength(2);
    expect(w.stats.written).toBe(1);
  });

  it('writes nothing while passive (not the leader) and catches up when it becomes active', async () => {
    const w = makeWriter(false);
    w.enqueue('ns', 'app', () => ({ healthyServers: 3 }));
    await new Promise((r) => setTimeout(r, 50));
    expect(patches).toHaveLength(0);
    w.setActive(true);
    await w.idle();
    expect(patches).toHaveLength(1);
  });

  it('drops the work for an object that is gone', async () => {
    const w = makeWriter();
    cached = undefined;
    w.enqueue('ns', 'app', () => ({ healthyServers: 3 }));
    await w.idle();
    expect(patches).toHaveLength(0);
    expect(w.stats.queued).toBe(0);
  });
});

describe('TokenBucket', () => {
  it('lets a burst through, then one call per 1/qps seconds', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 3, () => now);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([0, 0, 0]);
    expect(bucket.tryTake()).toBe(500);
    now += 500;
    expect(bucket.tryTake()).toBe(0);
    expect(bucket.tryTake()).toBe(500);
    now += 10_000;
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([0, 0, 0, 500]);
  });
});

describe('same', () => {
  it('compares JSON values ignoring key order and undefined fields', () => {
    expect(same({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1, d: undefined })).toBe(true);
    expect(same({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(same({ a: 1 }, undefined)).toBe(false);
  });
});
