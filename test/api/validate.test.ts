import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateTarget } from '../../src/api/validate.ts';
import { deriveRoute } from '../../src/api/servers.ts';
import type { ReverseProxyTarget } from '../../src/api/types.ts';

// The API.md §1 example, minus `service` (exclusive with servers), with
// connector: websphere, since connectorSecretRef is only allowed with it.
const FULL = `
apiVersion: passthru.dev/v1alpha1
kind: ReverseProxyTarget
metadata:
  name: exampleapp
  namespace: apps
  uid: 0b6c1f0e-6a53-4f0e-9a51-2f7e3c1a9d10
  generation: 3
  resourceVersion: "12345"
  creationTimestamp: "2025-01-02T03:04:05Z"
  labels: {app: exampleapp}
spec:
  hosts: [apps.example.com]
  contextRoots: [/exampleapp]
  port: 9080
  protocol: http
  servers:
    - host: liberty-0.liberty.apps.svc
      port: 9080
      route: srv1
      weight: 50
      backup: false
  loadBalancing:
    method: byRequests
  stickySession:
    cookie: JSESSIONID
    insert: false
    noFailover: false
  healthCheck:
    path: /health
    interval: 5s
    timeout: 2s
    healthyThreshold: 2
    unhealthyThreshold: 3
    expectStatus: "200-399"
  outlierDetection:
    consecutiveFailures: 5
    ejectionTime: 30s
    maxEjectionPercent: 50
  timeouts: {connect: 5s, response: 60s, idle: 300s}
  retries: {attempts: 2}
  headers:
    forwarded: xForwarded
    via: true
    connector: websphere
    connectorSecretRef: {name: wsheaders, key: secret}
    request:  {set: {X-App: exampleapp}, remove: [X-Debug]}
    response: {set: {}, remove: [Server]}
  rewrite:
    stripContextRoot: false
    reverseRedirects: true
    cookieDomain: {"liberty-0.liberty.apps.svc": ""}
    cookiePath: {"/": "/exampleapp/"}
  tls: {secretName: apps-tls}
status:
  observedGeneration: 3
  healthyServers: 1
`;

type Json = Record<string, unknown>;

function minimal(): Json {
  return {
    apiVersion: 'passthru.dev/v1alpha1',
    kind: 'ReverseProxyTarget',
    metadata: { name: 'app' },
    spec: { contextRoots: ['/app'], servers: [{ host: 'app-0.app.svc' }] },
  };
}

function withSpec(patch: Json): Json {
  const m = minimal();
  return { ...m, spec: { ...(m.spec as Json), ...patch } };
}

function valid(raw: unknown): ReverseProxyTarget {
  const r = validateTarget(raw);
  expect(r.errors).toEqual([]);
  expect(r.target).toBeDefined();
  return r.target as ReverseProxyTarget;
}

describe('validateTarget: valid manifests', () => {
  it('keeps every field of the fully specified example', () => {
    const t = valid(parse(FULL));
    expect(t).toEqual({
      apiVersion: 'passthru.dev/v1alpha1',
      kind: 'ReverseProxyTarget',
      metadata: {
        name: 'exampleapp',
        namespace: 'apps',
        uid: '0b6c1f0e-6a53-4f0e-9a51-2f7e3c1a9d10',
        generation: 3,
        resourceVersion: '12345',
        creationTimestamp: '2025-01-02T03:04:05Z',
      },
      spec: {
        hosts: ['apps.example.com'],
        contextRoots: ['/exampleapp'],
        port: 9080,
        protocol: 'http',
        servers: [
          { host: 'liberty-0.liberty.apps.svc', port: 9080, route: 'srv1', routeDerived: false, weight: 50, backup: false },
        ],
        loadBalancing: { method: 'byRequests' },
        stickySession: { cookie: 'JSESSIONID', insert: false, noFailover: false },
        healthCheck: {
          path: '/health',
          intervalMs: 5000,
          timeoutMs: 2000,
          healthyThreshold: 2,
          unhealthyThreshold: 3,
          expectStatus: [[200, 399]],
        },
        outlierDetection: { consecutiveFailures: 5, ejectionTimeMs: 30_000, maxEjectionPercent: 50 },
        timeouts: { connectMs: 5000, responseMs: 60_000, idleMs: 300_000 },
        retries: { attempts: 2 },
        headers: {
          forwarded: 'xForwarded',
          via: true,
          connector: 'websphere',
          connectorSecretRef: { name: 'wsheaders', key: 'secret' },
          request: { set: { 'X-App': 'exampleapp' }, remove: ['X-Debug'] },
          response: { set: {}, remove: ['Server'] },
        },
        rewrite: {
          stripContextRoot: false,
          reverseRedirects: true,
          cookieDomain: { 'liberty-0.liberty.apps.svc': '' },
          cookiePath: { '/': '/exampleapp/' },
        },
        tls: { secretName: 'apps-tls' },
      },
    });
  });

  it('fills every default into a minimal manifest', () => {
    const t = valid(minimal());
    expect(t.metadata).toEqual({ name: 'app', namespace: 'default' });
    expect(t.spec).toEqual({
      hosts: [],
      contextRoots: ['/app'],
      protocol: 'http',
      servers: [
        { host: 'app-0.app.svc', port: 80, route: deriveRoute('app-0.app.svc', 80), routeDerived: true, weight: 1, backup: false },
      ],
      loadBalancing: { method: 'byRequests' },
      outlierDetection: { consecutiveFailures: 5, ejectionTimeMs: 30_000, maxEjectionPercent: 50 },
      timeouts: { connectMs: 5000, responseMs: 60_000, idleMs: 300_000 },
      retries: { attempts: 2 },
      headers: {
        forwarded: 'xForwarded',
        via: true,
        connector: 'none',
        request: { set: {}, remove: [] },
        response: { set: {}, remove: [] },
      },
      rewrite: { stripContextRoot: false, reverseRedirects: true, cookieDomain: {}, cookiePath: {} },
    });
  });

  it('defaults server ports from spec.port, then from the protocol', () => {
    expect(valid(withSpec({ port: 9080 })).spec.servers?.[0]?.port).toBe(9080);
    expect(valid(withSpec({ protocol: 'https' })).spec.servers?.[0]?.port).toBe(443);
    expect(valid(withSpec({ protocol: 'https', port: 9443 })).spec.servers?.[0]?.port).toBe(9443);
  });

  it('fills healthCheck defaults when only the block is present', () => {
    expect(valid(withSpec({ healthCheck: {} })).spec.healthCheck).toEqual({
      path: '/',
      intervalMs: 5000,
      timeoutMs: 2000,
      healthyThreshold: 2,
      unhealthyThreshold: 3,
      expectStatus: [[200, 399]],
    });
  });

  it('parses status lists, ranges and a bare number', () => {
    const status = (expectStatus: unknown) => valid(withSpec({ healthCheck: { expectStatus } })).spec.healthCheck?.expectStatus;
    expect(status('200-299, 404,503 - 504')).toEqual([[200, 299], [404, 404], [503, 504]]);
    expect(status(204)).toEqual([[204, 204]]);
  });

  it('turns duration strings into milliseconds', () => {
    const t = valid(withSpec({ timeouts: { connect: '250ms', response: '1m30s', idle: '1.5h' }, outlierDetection: { ejectionTime: '2m' } }));
    expect(t.spec.timeouts).toEqual({ connectMs: 250, responseMs: 90_000, idleMs: 5_400_000 });
    expect(t.spec.outlierDetection.ejectionTimeMs).toBe(120_000);
  });

  it('normalises a trailing slash on context roots, but keeps the catch-all "/"', () => {
    expect(valid(withSpec({ contextRoots: ['/app/', '/', '/a/b/'] })).spec.contextRoots).toEqual(['/app', '/', '/a/b']);
  });

  it('lower-cases hosts and accepts one-label wildcards', () => {
    expect(valid(withSpec({ hosts: ['Apps.Example.COM', '*.example.com'] })).spec.hosts).toEqual([
      'apps.example.com',
      '*.example.com',
    ]);
  });

  it('accepts IP servers and stores IPv6 without brackets', () => {
    const t = valid(withSpec({ servers: [{ host: '10.0.0.7' }, { host: '[2001:DB8::1]', port: 9080 }, { host: 'fd00::2' }] }));
    expect(t.spec.servers?.map((s) => [s.host, s.port])).toEqual([
      ['10.0.0.7', 80],
      ['2001:db8::1', 9080],
      ['fd00::2', 80],
    ]);
  });

  it('derives a stable route that never shows the address', () => {
    const a = valid(withSpec({ servers: [{ host: '10.1.2.3', port: 9080 }] })).spec.servers?.[0];
    const b = valid(withSpec({ servers: [{ host: '10.1.2.3', port: 9080 }] })).spec.servers?.[0];
    const other = valid(withSpec({ servers: [{ host: '10.1.2.3', port: 9081 }] })).spec.servers?.[0];
    expect(a?.route).toMatch(/^r[0-9a-f]{10}$/);
    expect(a?.routeDerived).toBe(true);
    expect(a?.route).toBe(b?.route);
    expect(a?.route).not.toBe(other?.route);
    expect(a?.route).not.toContain('10');
    // Pinned independently, so that a change of formula (which would move every session) is noticed.
    expect(a?.route).toBe(`r${createHash('sha256').update('10.1.2.3:9080').digest('hex').slice(0, 10)}`);
  });

  it('accepts service with a number or a named port', () => {
    const m = (port: unknown) => {
      const raw = withSpec({ service: { name: 'liberty', port } });
      delete (raw.spec as Json).servers;
      return valid(raw).spec;
    };
    expect(m(9080).service).toEqual({ name: 'liberty', port: 9080 });
    expect(m('http').service).toEqual({ name: 'liberty', port: 'http' });
    expect(m('http').servers).toBeUndefined();
  });

  it('ignores status and null fields, and accepts labels and annotations', () => {
    const raw = minimal();
    raw.status = { anything: true };
    raw.metadata = { name: 'app', labels: { a: 'b' }, annotations: { c: 'd' } };
    (raw.spec as Json).port = null;
    expect(valid(raw).spec.port).toBeUndefined();
  });
});

describe('validateTarget: invalid manifests', () => {
  const cases: Array<[string, Json, string, string]> = [
    ['wrong apiVersion', { ...minimal(), apiVersion: 'passthru.dev/v1' }, 'apiVersion', 'must be "passthru.dev/v1alpha1", got "passthru.dev/v1"'],
    ['wrong kind', { ...minimal(), kind: 'Ingress' }, 'kind', 'must be "ReverseProxyTarget"'],
    ['missing name', { ...minimal(), metadata: {} }, 'metadata.name', 'is required'],
    ['bad name', { ...minimal(), metadata: { name: 'My_App' } }, 'metadata.name', 'lower-case DNS name'],
    ['bad namespace', { ...minimal(), metadata: { name: 'a', namespace: 'a.b' } }, 'metadata.namespace', 'DNS label'],
    ['missing spec', { ...minimal(), spec: undefined }, 'spec', 'is required'],
    ['spec not an object', { ...minimal(), spec: ['x'] }, 'spec', 'must be an object, got a list'],
    ['unknown spec field', withSpec({ contextRoot: ['/a'] }), 'spec.contextRoot', 'unknown field "contextRoot"'],
    ['unknown server field', withSpec({ servers: [{ host: 'a', wieght: 2 }] }), 'spec.servers[0].wieght', 'unknown field "wieght", did you mean "weight"?'],
    ['unknown field lists allowed', withSpec({ retries: { count: 1 } }), 'spec.retries.count', 'allowed: attempts'],
    ['hosts not a list', withSpec({ hosts: 'a.com' }), 'spec.hosts', 'must be a list, got "a.com"'],
    ['host with scheme', withSpec({ hosts: ['https://a.com'] }), 'spec.hosts[0]', 'without a scheme'],
    ['host with port', withSpec({ hosts: ['a.com:8080'] }), 'spec.hosts[0]', 'without a port'],
    ['host with path', withSpec({ hosts: ['a.com/x'] }), 'spec.hosts[0]', 'without a path'],
    ['inner wildcard', withSpec({ hosts: ['a.*.com'] }), 'spec.hosts[0]', 'whole first label'],
    ['bare wildcard', withSpec({ hosts: ['*'] }), 'spec.hosts[0]', 'leave hosts empty'],
    ['duplicate host after lower-casing', withSpec({ hosts: ['a.com', 'A.com'] }), 'spec.hosts[1]', 'already listed at spec.hosts[0]'],
    ['too many hosts', withSpec({ hosts: Array.from({ length: 17 }, (_, i) => `h${i}.com`) }), 'spec.hosts', 'at most 16 entries, got 17'],
    ['missing contextRoots', withSpec({ contextRoots: undefined }), 'spec.contextRoots', 'is required'],
    ['empty contextRoots', withSpec({ contextRoots: [] }), 'spec.contextRoots', 'must have 1 to 16 entries, got 0'],
    ['root without slash', withSpec({ contextRoots: ['app'] }), 'spec.contextRoots[0]', 'must start with "/"'],
    ['root with query', withSpec({ contextRoots: ['/a?b=1'] }), 'spec.contextRoots[0]', 'without a query'],
    ['root with fragment', withSpec({ contextRoots: ['/a#b'] }), 'spec.contextRoots[0]', 'without a fragment'],
    ['root with space', withSpec({ contextRoots: ['/a b'] }), 'spec.contextRoots[0]', 'whitespace'],
    ['root with //', withSpec({ contextRoots: ['/a//b'] }), 'spec.contextRoots[0]', 'must not contain "//"'],
    ['root with ..', withSpec({ contextRoots: ['/a/../b'] }), 'spec.contextRoots[0]', '".." segments'],
    ['root with .', withSpec({ contextRoots: ['/./b'] }), 'spec.contextRoots[0]', '"." or'],
    ['duplicate root after normalising', withSpec({ contextRoots: ['/app', '/app/'] }), 'spec.contextRoots[1]', 'duplicate context root "/app", already listed at spec.contextRoots[0]'],
    ['root not a string', withSpec({ contextRoots: [5] }), 'spec.contextRoots[0]', 'must be a string, got 5'],
    ['port out of range', withSpec({ port: 70000 }), 'spec.port', 'must be an integer from 1 to 65535, got 70000'],
    ['port as a string', withSpec({ port: '80' }), 'spec.port', 'got "80"'],
    ['bad protocol', withSpec({ protocol: 'h2' }), 'spec.protocol', 'must be one of http, https, got "h2"'],
    ['neither servers nor service', withSpec({ servers: undefined }), 'spec.servers', 'is required unless service is set'],
    ['both servers and service', withSpec({ service: { name: 'a', port: 80 } }), 'spec.service', 'must not be set together with servers'],
    ['empty servers', withSpec({ servers: [] }), 'spec.servers', 'must have 1 to 64 entries, got 0'],
    ['server without host', withSpec({ servers: [{ port: 80 }] }), 'spec.servers[0].host', 'is required'],
    ['server host with port', withSpec({ servers: [{ host: '10.0.0.1:9080' }] }), 'spec.servers[0].host', 'without a port'],
    ['server host bracketed non-IPv6', withSpec({ servers: [{ host: '[a.b]' }] }), 'spec.servers[0].host', 'IPv6 address inside brackets'],
    ['weight too big', withSpec({ servers: [{ host: 'a', weight: 150 }] }), 'spec.servers[0].weight', 'must be an integer from 1 to 100, got 150'],
    ['weight fractional', withSpec({ servers: [{ host: 'a', weight: 1.5 }] }), 'spec.servers[0].weight', 'got 1.5'],
    ['backup not a boolean', withSpec({ servers: [{ host: 'a', backup: 'yes' }] }), 'spec.servers[0].backup', 'must be true or false, got "yes"'],
    ['route with a dot', withSpec({ servers: [{ host: 'a', route: 'srv.1' }] }), 'spec.servers[0].route', 'letters, digits, "-" or "_"'],
    ['duplicate routes', withSpec({ servers: [{ host: 'a', route: 's1' }, { host: 'b', route: 's2' }, { host: 'c', route: 's1' }] }), 'spec.servers[2].route', 'duplicate route "s1" is already used by spec.servers[0]'],
    ['duplicate host:port', withSpec({ port: 9080, servers: [{ host: 'a' }, { host: 'b' }, { host: 'a', port: 9080 }] }), 'spec.servers[2].host', 'duplicate server a:9080, same as spec.servers[0]'],
    ['duplicate IPv6 host:port', withSpec({ servers: [{ host: '::1' }, { host: '[::1]', port: 80 }] }), 'spec.servers[1].host', 'duplicate server [::1]:80'],
    ['service bad name', { ...withSpec({ servers: undefined, service: { name: '1abc', port: 80 } }) }, 'spec.service.name', 'starting with a letter'],
    ['service bad named port', withSpec({ servers: undefined, service: { name: 'a', port: 'very-long-port-name' } }), 'spec.service.port', 'named port'],
    ['service missing port', withSpec({ servers: undefined, service: { name: 'a' } }), 'spec.service.port', 'is required'],
    ['bad balancing method', withSpec({ loadBalancing: { method: 'roundRobin' } }), 'spec.loadBalancing.method', 'must be one of byRequests, byTraffic, byBusyness, got "roundRobin"'],
    ['sticky without cookie', withSpec({ stickySession: { insert: true } }), 'spec.stickySession.cookie', 'is required'],
    ['sticky cookie not a token', withSpec({ stickySession: { cookie: 'JSESSION ID' } }), 'spec.stickySession.cookie', 'valid cookie name'],
    ['malformed duration', withSpec({ healthCheck: { interval: '5 seconds' } }), 'spec.healthCheck.interval', 'must be a duration like "5s" or "1m30s", got "5 seconds"'],
    ['duration as a number', withSpec({ timeouts: { connect: 5 } }), 'spec.timeouts.connect', 'must be a duration like "5s" or "1m30s", got 5'],
    ['zero duration', withSpec({ timeouts: { idle: '0s' } }), 'spec.timeouts.idle', 'must be longer than 0'],
    ['huge duration', withSpec({ outlierDetection: { ejectionTime: '48h' } }), 'spec.outlierDetection.ejectionTime', 'must be at most 24h'],
    ['timeout longer than interval', withSpec({ healthCheck: { interval: '1s', timeout: '2s' } }), 'spec.healthCheck.timeout', 'must not be longer than the interval (1s), got 2s'],
    ['timeout longer than default interval', withSpec({ healthCheck: { timeout: '10s' } }), 'spec.healthCheck.timeout', 'interval (5s)'],
    ['health path without slash', withSpec({ healthCheck: { path: 'health' } }), 'spec.healthCheck.path', 'must start with "/"'],
    ['zero threshold', withSpec({ healthCheck: { healthyThreshold: 0 } }), 'spec.healthCheck.healthyThreshold', 'must be an integer of at least 1, got 0'],
    ['status out of range', withSpec({ healthCheck: { expectStatus: '200-600' } }), 'spec.healthCheck.expectStatus', 'from 100 to 599'],
    ['status range reversed', withSpec({ healthCheck: { expectStatus: '399-200' } }), 'spec.healthCheck.expectStatus', 'got "399-200"'],
    ['status garbage', withSpec({ healthCheck: { expectStatus: '2xx' } }), 'spec.healthCheck.expectStatus', 'like "200-399,404"'],
    ['consecutiveFailures zero', withSpec({ outlierDetection: { consecutiveFailures: 0 } }), 'spec.outlierDetection.consecutiveFailures', 'at least 1'],
    ['maxEjectionPercent over 100', withSpec({ outlierDetection: { maxEjectionPercent: 101 } }), 'spec.outlierDetection.maxEjectionPercent', 'from 0 to 100, got 101'],
    ['retries over 10', withSpec({ retries: { attempts: 11 } }), 'spec.retries.attempts', 'from 0 to 10, got 11'],
    ['bad forwarded mode', withSpec({ headers: { forwarded: 'x-forwarded' } }), 'spec.headers.forwarded', 'must be one of xForwarded, forwarded, both, none'],
    ['secret ref without websphere', withSpec({ headers: { connectorSecretRef: { name: 'a', key: 'b' } } }), 'spec.headers.connectorSecretRef', 'only allowed with connector: websphere'],
    ['secret ref without key', withSpec({ headers: { connector: 'websphere', connectorSecretRef: { name: 'a' } } }), 'spec.headers.connectorSecretRef.key', 'is required'],
    ['header name not a token', withSpec({ headers: { request: { set: { 'X App': 'a' } } } }), 'spec.headers.request.set["X App"]', 'valid header name'],
    ['header value with newline', withSpec({ headers: { response: { set: { 'X-A': 'a\r\nSet-Cookie: x' } } } }), 'spec.headers.response.set.X-A', 'must not contain CR, LF or NUL'],
    ['header value not a string', withSpec({ headers: { request: { set: { 'X-Count': 5 } } } }), 'spec.headers.request.set.X-Count', 'must be a string, got 5 (quote it in YAML)'],
    ['header set twice in different case', withSpec({ headers: { request: { set: { 'X-A': '1', 'x-a': '2' } } } }), 'spec.headers.request.set.x-a', 'same header as "X-A"'],
    ['remove not a list', withSpec({ headers: { request: { remove: 'X-Debug' } } }), 'spec.headers.request.remove', 'must be a list'],
    ['rewrite flag not boolean', withSpec({ rewrite: { stripContextRoot: 'true' } }), 'spec.rewrite.stripContextRoot', 'must be true or false, got "true"'],
    ['cookieDomain value not a string', withSpec({ rewrite: { cookieDomain: { 'a.svc': 1 } } }), 'spec.rewrite.cookieDomain["a.svc"]', 'must be a string'],
    ['tls without secretName', withSpec({ tls: {} }), 'spec.tls.secretName', 'is required'],
    ['tls bad secretName', withSpec({ tls: { secretName: 'Apps_TLS' } }), 'spec.tls.secretName', 'lower-case DNS name'],
    ['unknown top-level field', { ...minimal(), specs: {} }, 'specs', 'did you mean "spec"?'],
  ];

  it.each(cases)('%s', (_name, raw, path, fragment) => {
    const r = validateTarget(raw);
    expect(r.target).toBeUndefined();
    const hit = r.errors.find((e) => e.path === path);
    expect(hit, `errors were ${JSON.stringify(r.errors)}`).toBeDefined();
    expect(hit?.message).toContain(fragment);
  });

  it('reports every problem, not just the first', () => {
    const r = validateTarget({
      ...minimal(),
      metadata: { name: 'Bad_Name' },
      spec: { contextRoots: ['x'], port: 0, servers: [{ host: 'a', weight: 0 }], retries: { attempts: -1 } },
    });
    expect(r.errors.map((e) => e.path).sort()).toEqual([
      'metadata.name',
      'spec.contextRoots[0]',
      'spec.port',
      'spec.retries.attempts',
      'spec.servers[0].weight',
    ]);
  });

  it('rejects a document that is not an object', () => {
    expect(validateTarget('hello').errors).toEqual([{ path: '', message: 'must be an object, got "hello"' }]);
  });
});
