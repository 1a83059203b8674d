import { describe, expect, it } from 'vitest';
import { refusedAddress } from '../../src/controller/addresses.ts';

const strict = { allowLoopback: false, selfAddresses: ['10.0.0.5', 'fd00::5'], selfPorts: [8080, 9090] };
const lenient = { ...strict, allowLoopback: true };

describe('refused server addresses (Kubernetes mode)', () => {
  it.each([
    ['127.0.0.1', 80, 'loopback'],
    ['127.8.9.10', 80, 'loopback'],
    ['::1', 80, 'loopback'],
    ['::ffff:127.0.0.1', 80, 'loopback'],
    ['0.0.0.0', 80, 'loopback'],
    ['localhost', 80, 'loopback'],
    ['api.localhost.', 80, 'loopback'],
    ['169.254.169.254', 80, 'link-local'],
    ['fe80::1', 80, 'link-local'],
    ['10.0.0.5', 9090, 'own traffic or admin port'],
    ['fd00::5', 8080, 'own traffic or admin port'],
    ['127.0.0.1', 8080, 'own traffic or admin port'],
  ])('refuses %s:%i (%s)', (host, port, why) => {
    expect(refusedAddress(host, port, strict)).toContain(why);
  });

  it.each([['10.0.0.6', 8080], ['10.0.0.5', 9091], ['liberty-0.liberty.apps.svc', 9080], ['fd00::6', 80], ['128.0.0.1', 80]])('accepts %s:%i', (host, port) => {
    expect(refusedAddress(host, port, strict)).toBeUndefined();
  });

  it('allows loopback and link-local with --allow-loopback-servers, but never its own ports', () => {
    expect(refusedAddress('127.0.0.1', 8081, lenient)).toBeUndefined();
    expect(refusedAddress('169.254.169.254', 80, lenient)).toBeUndefined();
    expect(refusedAddress('127.0.0.1', 9090, lenient)).toContain('own');
    expect(refusedAddress('10.0.0.5', 8080, lenient)).toContain('own');
  });
});
