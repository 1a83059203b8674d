// Host and context-root matching rules, kept apart from the table so they can be tested alone.

/** Lower-cases the Host header and drops its port; undefined when it is not a plausible host. */
export function normalizeHost(header: string | undefined): string {
  if (!header) return '';
  let host = header;
  if (host.charCodeAt(0) === 91 /* [ */) {
    const end = host.indexOf(']');
    return end > 0 ? host.slice(0, end + 1).toLowerCase() : host.toLowerCase();
  }
  const colon = host.indexOf(':');
  if (colon >= 0) host = host.slice(0, colon);
  if (host.endsWith('.')) host = host.slice(0, -1); // "example.com." is the same name
  return host.toLowerCase();
}

/**
 * The suffix a one-label wildcard would need to match `host`: "a.example.com" -> "example.com".
 * Kubernetes Ingress semantics: "*.example.com" matches "a.example.com", not "example.com"
 * and not "a.b.example.com".
 */
export function wildcardSuffix(host: string): string | undefined {
  const dot = host.indexOf('.');
  return dot > 0 && dot < host.length - 1 ? host.slice(dot + 1) : undefined;
}

/** The request path without its query. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** "/app" matches "/app", "/app/" and "/app/x", never "/apple"; "/" matches everything. */
export function rootMatches(root: string, path: string): boolean {
  if (root === '/') return true;
  if (!path.startsWith(root)) return false;
  return path.length === root.length || path.charCodeAt(root.length) === 47 /* / */;
}
