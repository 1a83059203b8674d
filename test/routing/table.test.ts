import { describe, expect, it } from 'vitest';
import { normalizeHost, rootMatches } from '../../src/routing/match.ts';
import type { TargetConfig } from '../../src/routing/model.ts';
import { RoutingTable } from '../../src/routing/table.ts';
import { target } from '../helpers/plane.ts';

function table(...configs: TargetConfig[]): RoutingTable<{ config: TargetConfig }> {
  return new RoutingTable(configs.map((config) => ({ config })));
}

const t = (id: string, hosts: string[], roots: string[]): TargetConfig => target(id, roots, [{ port: 1 }], { hosts });

describe('routing precedence', () => {
  const routes = table(
    t('ns/exact-app', ['apps.example.com'], ['/app']),
    t('ns/exact-app-deep', ['apps.example.com'], ['/app/admin']),
    t('ns/wild-app', ['*.example.com'], ['/app', '/wild']),
    t('ns/any-app', [], ['/app', '/apple']),
    t('ns/any-root', [], ['/']),
    t('ns/other-host-root', ['other.example.com'], ['/']),
  );

  // host x path -> target id: host kinds (exact, wildcard, none) x root lengths x boundaries
  const cases: Array<[string, string, string | undefined]> = [
    ['apps.example.com', '/app', 'ns/exact-app'],
    ['apps.example.com', '/app/', 'ns/exact-app'],
    ['apps.example.com', '/app/x/y', 'ns/exact-app'],
    ['apps.example.com', '/app/admin', 'ns/exact-app-deep'],
    ['apps.example.com', '/app/admin/users', 'ns/exact-app-deep'],
    ['apps.example.com', '/app/administrator', 'ns/exact-app'], // segment boundary
    ['apps.example.com', '/apple', 'ns/any-app'], // /app never matches /apple; falls through to any host
    ['apps.example.com', '/wild/x', 'ns/wild-app'], // exact host has no /wild: wildcard next
    ['APPS.Example.COM:8080', '/app', 'ns/exact-app'], // case and port do not matter
    ['x.example.com', '/app/1', 'ns/wild-app'], // wildcard beats any
    ['x.example.com', '/appx', 'ns/any-root'],
    ['a.b.example.com', '/app', 'ns/any-app'], // one-label wildcard only
    ['example.com', '/app', 'ns/any-app'], // the wildcard does not match its own apex
    ['elsewhere.test', '/app', 'ns/any-app'],
    ['elsewhere.test', '/apple/pie', 'ns/any-app'],
    ['elsewhere.test', '/', 'ns/any-root'],
    ['elsewhere.test', '/nothing/here', 'ns/any-root'],
    ['other.example.com', '/app', 'ns/other-host-root'], // exact host's catch-all beats wildcard and any
    ['', '/app', 'ns/any-app'],
  ];

  it.each(cases)('%s%s -> %s', (host, path, expected) => {
    expect(routes.match(normalizeHost(host), path)?.target.config.id).toBe(expected);
  });

  it('reports the context root that matched', () => {
    expect(routes.match('apps.example.com', '/app/admin/x')?.contextRoot).toBe('/app/admin');
  });

  it('returns no match when nothing claims the path and there is no catch-all', () => {
    const small = table(t('ns/a', [], ['/a']), t('ns/b', ['b.test'], ['/']));
    expect(small.match('elsewhere.test', '/b')).toBeUndefined();
    expect(small.match('elsewhere.test', '/ab')).toBeUndefined();
    expect(small.match('b.test', '/anything')?.target.config.id).toBe('ns/b');
  });
});

describe('context root boundaries', () => {
  it.each([
    ['/app', '/app', true],
    ['/app', '/app/', true],
    ['/app', '/app/x', true],
    ['/app', '/apple', false],
    ['/app', '/ap', false],
    ['/app', '/APP', false],
    ['/', '/anything', true],
    ['/a/b', '/a/b/c', true],
    ['/a/b', '/a/bc', false],
  ])('%s vs %s -> %s', (root, path, expected) => {
    expect(rootMatches(root, path)).toBe(expected);
  });
});

describe('host normalisation', () => {
  it.each([
    ['Example.COM', 'example.com'],
    ['example.com:8080', 'example.com'],
    ['example.com.', 'example.com'],
    ['[::1]:8080', '[::1]'],
    [undefined, ''],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeHost(input)).toBe(expected);
  });
});
