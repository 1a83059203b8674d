// spec.hosts and spec.contextRoots: what a request must look like to reach the target.

import type { Fields } from './fields.ts';
import { checkRouteHost, show } from './names.ts';

import { MAX_CONTEXT_ROOT_LENGTH } from './limits.ts';

export const MAX_HOSTS = 16;
export const MAX_CONTEXT_ROOTS = 16;

export function readHosts(spec: Fields): string[] {
  const list = spec.list('hosts', { min: 0, max: MAX_HOSTS });
  if (list === undefined) return [];
  const out: string[] = [];
  const seen = new Map<string, number>();
  list.forEach((v, i) => {
    const path = [...spec.at('hosts'), i];
    if (typeof v !== 'string') {
      spec.issues.add(path, `must be a string, got ${show(v)}`);
      return;
    }
    const host = v.toLowerCase();
    const problem = checkRouteHost(host);
    if (problem !== undefined) {
      spec.issues.add(path, problem);
      return;
    }
    const first = seen.get(host);
    if (first !== undefined) {
      spec.issues.add(path, `duplicate host ${show(host)}, already listed at spec.hosts[${first}]`);
      return;
    }
    seen.set(host, i);
    out.push(host);
  });
  return out;
}

/** The reason a context root is unusable, or undefined. */
export function checkContextRoot(s: string): string | undefined {
  if (!s.startsWith('/')) return `must start with "/", like "/app", got ${show(s)}`;
  if (s.length > MAX_CONTEXT_ROOT_LENGTH) return `must be at most ${MAX_CONTEXT_ROOT_LENGTH} characters, got ${s.length}`;
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(s)) return `must not contain whitespace or control characters, got ${show(s)}`;
  // Request targets are ASCII on the wire; a raw non-ASCII root could never match one.
  if (/[^\u0020-\u007e]/.test(s)) return `must be ASCII (percent-encode other characters), got ${show(s)}`;
  if (s.includes('?')) return `must be a path without a query ("?"), got ${show(s)}`;
  if (s.includes('#')) return `must be a path without a fragment ("#"), got ${show(s)}`;
  if (s.includes('//')) return `must not contain "//", got ${show(s)}`;
  const segments = s.split('/');
  if (segments.some((seg) => seg === '.' || seg === '..')) {
    return `must not contain "." or ".." segments, got ${show(s)}`;
  }
  return undefined;
}

export function normaliseContextRoot(s: string): string {
  return s.length > 1 && s.endsWith('/') ? s.slice(0, -1) : s;
}

export function readContextRoots(spec: Fields): string[] {
  if (!spec.required('contextRoots')) return [];
  const list = spec.list('contextRoots', { min: 1, max: MAX_CONTEXT_ROOTS });
  if (list === undefined) return [];
  const out: string[] = [];
  const seen = new Map<string, number>();
  list.forEach((v, i) => {
    const path = [...spec.at('contextRoots'), i];
    if (typeof v !== 'string') {
      spec.issues.add(path, `must be a string, got ${show(v)}`);
      return;
    }
    const problem = checkContextRoot(v);
    if (problem !== undefined) {
      spec.issues.add(path, problem);
      return;
    }
    const root = normaliseContextRoot(v);
    const first = seen.get(root);
    if (first !== undefined) {
      spec.issues.add(path, `duplicate context root ${show(root)}, already listed at spec.contextRoots[${first}]`);
      return;
    }
    seen.set(root, i);
    out.push(root);
  });
  return out;
}
