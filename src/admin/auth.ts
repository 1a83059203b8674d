// The bearer token that guards the admin write actions. Compared in constant time, through
// SHA-256 digests so both sides have the same length and the token's length leaks nothing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type AuthResult = 'ok' | 'missing' | 'wrong';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export function tokenChecker(token: string): (headers: IncomingHttpHeaders) => AuthResult {
  const expected = digest(token);
  return (headers) => {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(headers.authorization ?? '');
    if (!m) return 'missing';
    return timingSafeEqual(digest(m[1]!), expected) ? 'ok' : 'wrong';
  };
}
