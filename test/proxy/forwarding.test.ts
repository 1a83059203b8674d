import { afterEach, describe, expect, it } from 'vitest';
import { startPlane, target, request, type TestPlane } from '../helpers/plane.ts';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';

let up: TestUpstream;
let plane: TestPlane;
afterEach(async () => {
  await plane?.close();
  await up?.close();
});

async function setup(trustedProxies: string[]): Promise<void> {
  up = await startUpstream('a');
  plane = await startPlane([target('ns/app', ['/'], [{ port: up.port }])], { trustedProxies });
}

const CLAIMS = {
  'x-forwarded-for': '6.6.6.6',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'evil.test',
  'x-forwarded-port': '444',
  forwarded: 'for=6.6.6.6',
  'x-real-ip': '6.6.6.6',
  $wsra: '6.6.6.6',
  $wsis: 'True',
};

describe('forwarding headers from an untrusted client', () => {
  it('are set by the proxy, replacing what the client claimed', async () => {
    await setup([]);
    await request(plane.port, { path: '/x', host: 'shop.example.com:8443', headers: CLAIMS });
    const h = up.seen[0]!.headers;
    expect(h['x-forwarded-for']).toBe('127.0.0.1');
    expect(h['x-forwarded-proto']).toBe('http');
    expect(h['x-forwarded-host']).toBe('shop.example.com:8443');
    expect(h['x-forwarded-port']).toBe('8443');
    expect(h['forwarded']).toBeUndefined();
    expect(h['x-real-ip']).toBeUndefined();
    expect(h['$wsra']).toBeUndefined();
    expect(h['$wsis']).toBeUndefined();
    expect(h['via']).toBe('1.1 passthru');
  });

  it('gets the scheme default port when the Host header has none', async () => {
    await setup([]);
    await request(plane.port, { host: 'shop.example.com' });
    expect(up.seen[0]!.headers['x-forwarded-port']).toBe('80');
  });

  it('gets the proxy appended to the Via chain', async () => {
    await setup([]);
    await request(plane.port, { headers: { via: '1.1 cdn' } });
    expect(up.seen[0]!.headers['via']).toBe('1.1 cdn, 1.1 passthru');
  });
});

describe('forwarding headers from a trusted proxy', () => {
  it('are extended (X-Forwarded-For) or kept (the others)', async () => {
    await setup(['127.0.0.0/8']);
    await request(plane.port, { path: '/x', host: 'internal:8080', headers: CLAIMS });
    const h = up.seen[0]!.headers;
    expect(h['x-forwarded-for']).toBe('6.6.6.6, 127.0.0.1');
    expect(h['x-forwarded-proto']).toBe('https');
    expect(h['x-forwarded-host']).toBe('evil.test');
    expect(h['x-forwarded-port']).toBe('444');
    expect(h['$wsra']).toBe('6.6.6.6');
  });

  it('only covers the listed networks', async () => {
    await setup(['10.0.0.0/8', '::1/128']);
    await request(plane.port, { headers: CLAIMS });
    expect(up.seen[0]!.headers['x-forwarded-for']).toBe('127.0.0.1');
  });
});

describe('--trusted-proxies parsing', () => {
  it('rejects a bad entry with the entry named', async () => {
    await expect(startPlane([], { trustedProxies: ['10.0.0.0/33'] })).rejects.toThrow('"10.0.0.0/33" has a bad prefix length');
    await expect(startPlane([], { trustedProxies: ['proxy.local'] })).rejects.toThrow('"proxy.local" is not an IP address or CIDR');
  });
});
