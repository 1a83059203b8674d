// The `headers.request/response` rules and the `rewrite` block (Apache ProxyPass with a
// stripped prefix, ProxyPassReverse, ProxyPassReverseCookieDomain/Path), compiled once per
// target when the table is built so the request path only applies them.
import type { IncomingHttpHeaders } from 'node:http';
import type { TargetConfig } from '../routing/model.ts';

export interface HeaderRules {
  set: ReadonlyArray<readonly [string, string]>; // lower-cased names
  remove: readonly string[];
}

export interface TargetRewrites {
  request: HeaderRules | undefined;
  response: HeaderRules | undefined;
  stripContextRoot: boolean;
  /** Authorities ("host:port", "host" for default ports) of the target's servers; undefined: no redirect rewriting. */
  serverAuthorities: ReadonlySet<string> | undefined;
  cookieDomain: ReadonlyMap<string, string> | undefined; // lower-cased, no leading dot
  cookiePath: ReadonlyArray<readonly [string, string]> | undefined; // longest prefix first
  /** Whether any response header needs looking at, so plain targets skip the work. */
  touchesResponse: boolean;
}

export function compileRewrites(target: TargetConfig): TargetRewrites {
  const rules = (r: { set: Record<string, string>; remove: string[] }): HeaderRules | undefined => {
    const set = Object.entries(r.set).map(([k, v]) => [k.toLowerCase(), v] as const);
    const remove = r.remove.map((k) => k.toLowerCase());
    return set.length || remove.length ? { set, remove } : undefined;
  };
  const { rewrite } = target;
  const serverAuthorities = rewrite.reverseRedirects ? authorities(target) : undefined;
  const domains = Object.entries(rewrite.cookieDomain);
  const paths = Object.entries(rewrite.cookiePath).sort((a, b) => b[0].length - a[0].length);
  const response = rules(target.headers.response);
  return {
    request: rules(target.headers.request),
    response,
    stripContextRoot: rewrite.stripContextRoot,
    serverAuthorities,
    cookieDomain: domains.length ? new Map(domains.map(([k, v]) => [bareDomain(k), v])) : undefined,
    cookiePath: paths.length ? paths : undefined,
    touchesResponse: Boolean(serverAuthorities || domains.length || paths.length || response),
  };
}

function authorities(target: TargetConfig): Set<string> {
  const set = new Set<string>();
  const defaultPort = target.protocol === 'https' ? 443 : 80;
  for (const s of target.servers) {
    const host = (s.host.includes(':') ? `[${s.host}]` : s.host).toLowerCase();
    set.add(`${host}:${s.port}`);
    if (s.port === defaultPort || s.port === 80 || s.port === 443) set.add(host);
  }
  return set;
}

export function applyHeaderRules(headers: IncomingHttpHeaders | Record<string, unknown>, rules: HeaderRules | undefined): void {
  if (!rules) return;
  for (const name of rules.remove) delete headers[name];
  for (const [name, value] of rules.set) headers[name] = value;
}

/** "/app/x?q" -> "/x?q", "/app" -> "/", "/app?q" -> "/?q". */
export function stripRoot(url: string, root: string): string {
  if (root === '/') return url;
  const rest = url.slice(root.length);
  return rest.length === 0 || rest.charCodeAt(0) !== 47 /* / */ ? `/${rest}` : rest;
}

export interface ResponseContext {
  scheme: string;
  host: string;
  /** The context root the request matched; restored in redirects when it was stripped. */
  contextRoot: string;
}

/**
 * Rewrites one response header value, or returns it unchanged. `lower` is the lower-cased name.
 * Location, Content-Location and URI that point at one of the target's servers come back to
 * the public scheme and host; Set-Cookie Domain and Path attributes are mapped.
 */
export function rewriteResponseHeader(lower: string, value: string, rw: TargetRewrites, ctx: ResponseContext): string | undefined {
  if (lower === 'set-cookie') return rw.cookieDomain || rw.cookiePath ? rewriteCookie(value, rw) : value;
  if (rw.serverAuthorities && (lower === 'location' || lower === 'content-location' || lower === 'uri')) {
    return reverseRedirect(value, rw, ctx);
  }
  return value;
}

const ABSOLUTE = /^(https?):\/\/([^/?#]*)(.*)$/i;

function reverseRedirect(value: string, rw: TargetRewrites, ctx: ResponseContext): string {
  const m = ABSOLUTE.exec(value);
  if (!m) return value; // relative redirects pass unchanged
  const authority = m[2]!.toLowerCase();
  if (authority.includes('@') || !rw.serverAuthorities!.has(authority)) return value;
  let rest = m[3]!;
  if (rw.stripContextRoot && ctx.contextRoot !== '/') rest = ctx.contextRoot + (rest.startsWith('/') ? rest : `/${rest}`);
  else if (rest === '') rest = '/';
  return `${ctx.scheme}://${ctx.host}${rest}`;
}

function rewriteCookie(value: string, rw: TargetRewrites): string {
  const parts = value.split(';');
  const out: string[] = [parts[0]!];
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!;
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    const attr = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (name === 'domain' && rw.cookieDomain) {
      const mapped = rw.cookieDomain.get(bareDomain(attr));
      if (mapped === '') continue; // "" removes the attribute: a host-only cookie
      if (mapped !== undefined) {
        out.push(` Domain=${mapped}`);
        continue;
      }
    }
    if (name === 'path' && rw.cookiePath) {
      const hit = rw.cookiePath.find(([from]) => attr.startsWith(from));
      if (hit) {
        if (hit[1] === '') continue;
        out.push(` Path=${hit[1]}${attr.slice(hit[0].length)}`);
        continue;
      }
    }
    out.push(part);
  }
  return out.join(';');
}

function bareDomain(domain: string): string {
  const d = domain.toLowerCase();
  return d.startsWith('.') ? d.slice(1) : d;
}
