// Sticky sessions the way mod_proxy_balancer and the app servers do them: the route is the
// text after the last "." of the session cookie (Tomcat/Liberty jvmRoute style), taken from
// the cookie or from a ";jsessionid=..." path parameter.

/** The route carried by a session id: after the last ".", or the whole value without one. */
export function routeOfValue(value: string): string {
  const dot = value.lastIndexOf('.');
  return dot < 0 ? value : value.slice(dot + 1);
}

/** The value of the first cookie called `name` in a Cookie header, unquoted. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  let at = 0;
  while (at < header.length) {
    const end = header.indexOf(';', at);
    const pair = header.slice(at, end < 0 ? header.length : end);
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) {
      const value = pair.slice(eq + 1).trim();
      return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
    }
    if (end < 0) break;
    at = end + 1;
  }
  return undefined;
}

/** The value of a `;name=value` path parameter (case-insensitive name), as in /app/x;jsessionid=ABC.srv1?q. */
export function pathParameter(url: string, name: string): string | undefined {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const lower = path.toLowerCase();
  const needle = `;${name.toLowerCase()}=`;
  const at = lower.lastIndexOf(needle);
  if (at < 0) return undefined;
  const start = at + needle.length;
  let end = path.length;
  for (const stop of [';', '/', '#']) {
    const i = path.indexOf(stop, start);
    if (i >= 0 && i < end) end = i;
  }
  return path.slice(start, end);
}

/** The route a request asks for, from the cookie first, then the path parameter. */
export function requestedRoute(cookieHeader: string | undefined, url: string, cookieName: string): string | undefined {
  const value = cookieValue(cookieHeader, cookieName) ?? pathParameter(url, cookieName);
  return value ? routeOfValue(value) : undefined;
}

/** The cookie `insert: true` sets: only the route, never an address or port. */
export function insertedCookie(name: string, route: string): string {
  return `${name}=.${route}; Path=/; HttpOnly`;
}
