import { describe, expect, it } from 'vitest';
import { cookieValue, insertedCookie, pathParameter, requestedRoute, routeOfValue } from '../../src/balancer/sticky.ts';

describe('sticky routes', () => {
  it.each([
    ['ABC123.srv1', 'srv1'],
    ['0000ABC:-1.node.b.srv2', 'srv2'], // several dots: the last part
    ['ABC123', 'ABC123'], // no dot: the whole value
    ['.srv3', 'srv3'], // what insert mode sets
    ['ABC.', ''],
  ])('the route of %s is %s', (value, route) => {
    expect(routeOfValue(value)).toBe(route);
  });

  it('reads the named cookie among others, unquoted, ignoring look-alikes', () => {
    const header = 'XJSESSIONID=nope.x; JSESSIONID="ABC.srv1"; other=1; JSESSIONID=second.srv2';
    expect(cookieValue(header, 'JSESSIONID')).toBe('ABC.srv1');
    expect(cookieValue('a=1;JSESSIONID=Z.s9', 'JSESSIONID')).toBe('Z.s9');
    expect(cookieValue('a=1', 'JSESSIONID')).toBeUndefined();
    expect(cookieValue(undefined, 'JSESSIONID')).toBeUndefined();
  });

  it('reads a ;jsessionid= path parameter, case-insensitively, up to the next ; / or ?', () => {
    expect(pathParameter('/app/page;jsessionid=ABC.srv1?x=1', 'JSESSIONID')).toBe('ABC.srv1');
    expect(pathParameter('/app/page;JSESSIONID=ABC.srv2;foo=bar', 'JSESSIONID')).toBe('ABC.srv2');
    expect(pathParameter('/app;jsessionid=X.s3/next', 'JSESSIONID')).toBe('X.s3');
    expect(pathParameter('/app/page?jsessionid=ABC.srv1', 'JSESSIONID')).toBeUndefined(); // the query is not a path parameter
  });

  it('prefers the cookie to the path parameter, and has no route when neither is there', () => {
    expect(requestedRoute('JSESSIONID=A.cookie', '/x;jsessionid=B.path', 'JSESSIONID')).toBe('cookie');
    expect(requestedRoute(undefined, '/x;jsessionid=B.path', 'JSESSIONID')).toBe('path');
    expect(requestedRoute('other=1', '/x', 'JSESSIONID')).toBeUndefined();
  });

  it('inserts only the route, never an address or port', () => {
    expect(insertedCookie('ROUTEID', 'srv1')).toBe('ROUTEID=.srv1; Path=/; HttpOnly');
  });
});
