// Typed reading of one JSON object with error collection: every getter records what is
// wrong under the field's path and still returns a usable value (the default), so the
// validators go on and report every problem in one pass, not just the first.

import type { FieldError } from './types.ts';
import { formatDuration, parseDuration } from './duration.ts';
import { MAX_DURATION_LENGTH, MAX_MAP_ENTRIES } from './limits.ts';
import { formatPath, type PathSegment } from './field-path.ts';
import { show } from './names.ts';

export type Path = readonly PathSegment[];
type Json = Record<string, unknown>;

/** Durations beyond this would overflow Node's timers (about 24.8 days) long before any use. */
export const MAX_DURATION_MS = 24 * 3_600_000;

export class Issues {
  readonly list: FieldError[] = [];
  add(path: Path, message: string): void {
    this.list.push({ path: formatPath(path), message });
  }
}

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

export function unknownFieldMessage(key: string, allowed: readonly string[]): string {
  const near = allowed
    .map((a) => ({ a, d: editDistance(key.toLowerCase(), a.toLowerCase()) }))
    .filter((x) => x.d <= 2)
    .sort((x, y) => x.d - y.d)[0];
  if (near !== undefined) return `unknown field "${key}", did you mean "${near.a}"?`;
  return `unknown field "${key}"; allowed: ${[...allowed].sort().join(', ')}`;
}

export interface IntRange {
  min: number;
  max?: number;
}

function rangeText(r: IntRange): string {
  return r.max === undefined ? `an integer of at least ${r.min}` : `an integer from ${r.min} to ${r.max}`;
}

export class Fields {
  readonly issues: Issues;
  readonly obj: Json;
  readonly path: Path;

  constructor(issues: Issues, obj: Json, path: Path) {
    this.issues = issues;
    this.obj = obj;
    this.path = path;
  }

  /** An object value with strict field names; undefined (with an error) when it is not an object. */
  static open(issues: Issues, value: unknown, path: Path, allowed: readonly string[] | 'any'): Fields | undefined {
    if (!isObject(value)) {
      issues.add(path, `must be an object, got ${show(value)}`);
      return undefined;
    }
    if (allowed !== 'any') {
      for (const key of Object.keys(value)) {
        if (!allowed.includes(key)) issues.add([...path, key], unknownFieldMessage(key, allowed));
      }
    }
    return new Fields(issues, value, path);
  }

  at(key: string): Path {
    return [...this.path, key];
  }

  /** YAML writes an empty value as null; like the API server, treat it as absent. */
  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }

  get(key: string): unknown {
    return this.has(key) ? this.obj[key] : undefined;
  }

  error(key: string, message: string): void {
    this.issues.add(this.at(key), message);
  }

  required(key: string): boolean {
    if (this.has(key)) return true;
    this.error(key, 'is required');
    return false;
  }

  string(key: string, check?: (s: string) => string | undefined): string | undefined {
    if (!this.has(key)) return undefined;
    const v = this.obj[key];
    if (typeof v !== 'string') {
      this.error(key, `must be a string, got ${show(v)}`);
      return undefined;
    }
    const problem = check?.(v);
    if (problem !== undefined) {
      this.error(key, problem);
      return undefined;
    }
    return v;
  }

  int(key: string, range: IntRange, fallback: number): number {
    if (!this.has(key)) return fallback;
    const v = this.obj[key];
    const ok = typeof v === 'number' && Number.isInteger(v) && v >= range.min && (range.max === undefined || v <= range.max);
    if (!ok) {
      this.error(key, `must be ${rangeText(range)}, got ${show(v)}`);
      return fallback;
    }
    return v;
  }

  bool(key: string, fallback: boolean): boolean {
    if (!this.has(key)) return fallback;
    const v = this.obj[key];
    if (typeof v !== 'boolean') {
      this.error(key, `must be true or false, got ${show(v)}`);
      return fallback;
    }
    return v;
  }

  oneOf<T extends string>(key: string, values: readonly T[], fallback: T): T {
    if (!this.has(key)) return fallback;
    const v = this.obj[key];
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      this.error(key, `must be one of ${values.join(', ')}, got ${show(v)}`);
      return fallback;
    }
    return v as T;
  }

  /** A Go-style duration string, greater than zero and at most MAX_DURATION_MS. */
  duration(key: string, fallbackMs: number): number {
    if (!this.has(key)) return fallbackMs;
    const v = this.obj[key];
    if (typeof v === 'string' && v.length > MAX_DURATION_LENGTH) {
      this.error(key, `must be a duration of at most ${MAX_DURATION_LENGTH} characters, got ${v.length}`);
      return fallbackMs;
    }
    const ms = typeof v === 'string' ? parseDuration(v) : undefined;
    if (ms === undefined) {
      this.error(key, `must be a duration like "5s" or "1m30s", got ${show(v)}`);
      return fallbackMs;
    }
    if (ms <= 0) {
      this.error(key, `must be longer than 0, got ${show(v)}`);
      return fallbackMs;
    }
    if (ms > MAX_DURATION_MS) {
      this.error(key, `must be at most ${formatDuration(MAX_DURATION_MS)}, got ${show(v)}`);
      return fallbackMs;
    }
    return ms;
  }

  /** A list value with a length limit; undefined (with an error) when absent-but-required or malformed. */
  list(key: string, limits: { min: number; max: number }): unknown[] | undefined {
    if (!this.has(key)) return undefined;
    const v = this.obj[key];
    if (!Array.isArray(v)) {
      this.error(key, `must be a list, got ${show(v)}`);
      return undefined;
    }
    if (v.length < limits.min || v.length > limits.max) {
      const span = limits.min === 0 ? `at most ${limits.max}` : `${limits.min} to ${limits.max}`;
      this.error(key, `must have ${span} entries, got ${v.length}`);
      return undefined;
    }
    return v;
  }

  object(key: string, allowed: readonly string[] | 'any'): Fields | undefined {
    if (!this.has(key)) return undefined;
    return Fields.open(this.issues, this.obj[key], this.at(key), allowed);
  }

  /** A map of string keys to string values; each entry goes through `check`. */
  stringMap(
    key: string,
    check: (k: string, v: string) => { key?: string; value?: string },
  ): Record<string, string> {
    const out: Record<string, string> = {};
    const f = this.object(key, 'any');
    if (f === undefined) return out;
    const size = Object.keys(f.obj).length;
    if (size > MAX_MAP_ENTRIES) {
      this.error(key, `must have at most ${MAX_MAP_ENTRIES} entries, got ${size}`);
      return out;
    }
    for (const [k, v] of Object.entries(f.obj)) {
      if (typeof v !== 'string') {
        f.error(k, `must be a string, got ${show(v)}${v === null ? '' : ' (quote it in YAML)'}`);
        continue;
      }
      const problem = check(k, v);
      if (problem.key !== undefined) f.error(k, problem.key);
      else if (problem.value !== undefined) f.error(k, problem.value);
      else out[k] = v;
    }
    return out;
  }
}
