// spec.headers and spec.rewrite: what the proxy changes in requests and responses.

import type { ConnectorMode, ForwardedMode, HeaderRules, HeadersSpec, RewriteSpec } from './types.ts';
import type { Fields } from './fields.ts';
import { checkDns1123Subdomain, checkHeaderValue, checkSecretKey, checkToken, show } from './names.ts';

export const HEADERS_FIELDS = ['forwarded', 'via', 'connector', 'connectorSecretRef', 'request', 'response'] as const;
export const RULES_FIELDS = ['set', 'remove'] as const;
export const SECRET_REF_FIELDS = ['name', 'key'] as const;
export const REWRITE_FIELDS = ['stripContextRoot', 'reverseRedirects', 'cookieDomain', 'cookiePath'] as const;
export const FORWARDED_MODES: readonly ForwardedMode[] = ['xForwarded', 'forwarded', 'both', 'none'];
export const CONNECTOR_MODES: readonly ConnectorMode[] = ['none', 'websphere'];
export const MAX_HEADER_RULES = 64;
/** What headers and rewrite leave out; the CRD schema carries the same defaults. */
export const HEADERS_DEFAULTS = { forwarded: 'xForwarded', via: true, connector: 'none' } as const;
export const REWRITE_DEFAULTS = { stripContextRoot: false, reverseRedirects: true } as const;
/** Cookie domains and paths end up inside a Set-Cookie attribute. */
// eslint-disable-next-line no-control-regex
export const REWRITE_FORBIDDEN = /[\u0000-\u001f\u007f;]/;

function readRules(headers: Fields | undefined, key: 'request' | 'response'): HeaderRules {
  const f = headers?.object(key, RULES_FIELDS);
  if (f === undefined) return { set: {}, remove: [] };
  const seen = new Map<string, string>();
  const set = f.stringMap('set', (name, value) => {
    const nameProblem = checkToken(name, 'header name');
    if (nameProblem !== undefined) return { key: nameProblem };
    // Header names are case-insensitive: "X-App" and "x-app" would fight over one header.
    const other = seen.get(name.toLowerCase());
    if (other !== undefined) return { key: `sets the same header as ${show(other)} (header names ignore case)` };
    seen.set(name.toLowerCase(), name);
    return { value: checkHeaderValue(value) };
  });
  const remove: string[] = [];
  const list = f.list('remove', { min: 0, max: MAX_HEADER_RULES });
  list?.forEach((v, i) => {
    const path = [...f.at('remove'), i];
    if (typeof v !== 'string') f.issues.add(path, `must be a string, got ${show(v)}`);
    else {
      const problem = checkToken(v, 'header name');
      if (problem !== undefined) f.issues.add(path, problem);
      else remove.push(v);
    }
  });
  return { set, remove };
}

export function readHeaders(spec: Fields): HeadersSpec {
  const f = spec.object('headers', HEADERS_FIELDS);
  const d = HEADERS_DEFAULTS;
  const connector = f?.oneOf('connector', CONNECTOR_MODES, d.connector) ?? d.connector;
  const out: HeadersSpec = {
    forwarded: f?.oneOf('forwarded', FORWARDED_MODES, d.forwarded) ?? d.forwarded,
    via: f?.bool('via', d.via) ?? d.via,
    connector,
    request: readRules(f, 'request'),
    response: readRules(f, 'response'),
  };
  const ref = f?.object('connectorSecretRef', SECRET_REF_FIELDS);
  if (f !== undefined && ref !== undefined) {
    if (connector !== 'websphere') {
      f.error('connectorSecretRef', `is only allowed with connector: websphere, got connector: ${connector}`);
    }
    const name = ref.required('name') ? ref.string('name', checkDns1123Subdomain) : undefined;
    const key = ref.required('key') ? ref.string('key', checkSecretKey) : undefined;
    if (name !== undefined && key !== undefined) out.connectorSecretRef = { name, key };
  }
  return out;
}

function checkRewriteValue(v: string): string | undefined {
  return REWRITE_FORBIDDEN.test(v) ? 'must not contain control characters or ";"' : undefined;
}

export function readRewrite(spec: Fields): RewriteSpec {
  const f = spec.object('rewrite', REWRITE_FIELDS);
  const check = (k: string, v: string) => ({ key: checkRewriteValue(k), value: checkRewriteValue(v) });
  return {
    stripContextRoot: f?.bool('stripContextRoot', REWRITE_DEFAULTS.stripContextRoot) ?? REWRITE_DEFAULTS.stripContextRoot,
    reverseRedirects: f?.bool('reverseRedirects', REWRITE_DEFAULTS.reverseRedirects) ?? REWRITE_DEFAULTS.reverseRedirects,
    cookieDomain: f?.stringMap('cookieDomain', check) ?? {},
    cookiePath: f?.stringMap('cookiePath', check) ?? {},
  };
}
