// String formats as the API server checks them: RE2 patterns, and CEL rules that say in
// validate.ts's words what is wrong (the API server prints the offending value itself).
// Where a regex exists in src/api it is reused (through re2()); where validate.ts checks in
// code (label lengths, IP literals, wildcards), the regex here is written anew and
// test/api/crd-schema.test.ts runs both over one corpus.

import { formatDuration } from '../duration.ts';
import { MAX_DURATION_MS } from '../fields.ts';
import { DNS1035_LABEL, MAX_LABEL, MAX_SUBDOMAIN } from '../names.ts';
import type { CelRule, Schema } from './schema-types.ts';

/**
 * A JavaScript regex source as RE2 (Go's regexp, which the API server runs) reads it:
 * `\uXXXX` becomes `\xHH` (or `\x{HHHH}`), `\/` becomes `/`. Flags would change the
 * meaning, so none are allowed.
 */
export function re2(re: RegExp): string {
  if (re.flags !== '') throw new Error(`regex /${re.source}/${re.flags}: flags have no RE2 equivalent here`);
  return re.source
    .replace(/\\u00([0-9a-fA-F]{2})/g, '\\x$1')
    .replace(/\\u([0-9a-fA-F]{4})/g, '\\x{$1}')
    .replace(/\\\//g, '/');
}

/** A CEL string literal: raw (no escapes to read) whenever a quote character allows it. */
export function celString(s: string): string {
  if (!s.includes("'")) return `r'${s}'`;
  if (!s.includes('"')) return `r"${s}"`;
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

// Label length (1..63) is in the regex itself, since a pattern cannot count per label otherwise.
const LABEL = `[a-z0-9]([-a-z0-9]{0,${MAX_LABEL - 2}}[a-z0-9])?`;
const LABEL_ANY_CASE = `[A-Za-z0-9]([-A-Za-z0-9]{0,${MAX_LABEL - 2}}[A-Za-z0-9])?`;
export const DNS_SUBDOMAIN = `^${LABEL}(\\.${LABEL})*$`;
/** spec.hosts entries: validate.ts lower-cases them first, so upper case is fine here. */
export const ROUTE_HOST = `^(\\*\\.)?${LABEL_ANY_CASE}(\\.${LABEL_ANY_CASE})*$`;
/** servers[].host as a name: any case, and a trailing dot (fully qualified) is allowed. */
export const SERVER_DNS = `^${LABEL_ANY_CASE}(\\.${LABEL_ANY_CASE})*\\.?$`;
/** Go's time.ParseDuration grammar, which both parseDuration and CEL's duration() follow. */
export const DURATION = '^[-+]?(0|(([0-9]+\\.?[0-9]*|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$';
/** No Go-style duration that passthru accepts (at most 24h) needs more characters. */
import { MAX_DURATION_LENGTH } from '../limits.ts';
export { MAX_DURATION_LENGTH };

export function dnsSubdomain(description: string): Schema {
  return {
    type: 'string',
    description,
    maxLength: MAX_SUBDOMAIN,
    'x-kubernetes-validations': [
      {
        rule: `self.matches(${celString(DNS_SUBDOMAIN)})`,
        message: 'must be a lower-case DNS name (letters, digits, "-" and ".", at most 253 characters, like "my-app")',
      },
    ],
  };
}

export function dns1035Label(description: string): Schema {
  return {
    type: 'string',
    description,
    maxLength: MAX_LABEL,
    'x-kubernetes-validations': [
      {
        rule: `self.matches(${celString(re2(DNS1035_LABEL))})`,
        message: 'must be a lower-case DNS label starting with a letter (letters, digits and "-", at most 63 characters)',
      },
    ],
  };
}

/** The three checks validate.ts's Fields.duration makes, each with its message. */
export function durationRules(): CelRule[] {
  const ok = `self.matches(${celString(DURATION)})`;
  const max = formatDuration(MAX_DURATION_MS);
  return [
    { rule: ok, message: 'must be a duration like "5s" or "1m30s"' },
    // Guarded: duration() on a malformed string is an evaluation error, not a clean message.
    { rule: `!${ok} || duration(self) > duration('0s')`, message: 'must be longer than 0' },
    { rule: `!${ok} || duration(self) <= duration('${max}')`, message: `must be at most ${max}` },
  ];
}

export function duration(description: string, defaultMs: number): Schema {
  return {
    type: 'string',
    description,
    default: formatDuration(defaultMs),
    maxLength: MAX_DURATION_LENGTH,
    'x-kubernetes-validations': durationRules(),
  };
}

/** `self.<field>` holds a well-formed duration (so duration() on it cannot fail). */
export function isDuration(field: string): string {
  return `has(self.${field}) && self.${field}.matches(${celString(DURATION)})`;
}
