// spec.healthCheck (active probes) and spec.outlierDetection (passive ejection).

import type { HealthCheckSpec, OutlierDetectionSpec } from './types.ts';
import type { Fields } from './fields.ts';
import { formatDuration } from './duration.ts';
import { show } from './names.ts';
import { MAX_EXPECT_STATUS_LENGTH } from './limits.ts';

export const HEALTH_FIELDS = ['path', 'interval', 'timeout', 'healthyThreshold', 'unhealthyThreshold', 'expectStatus'] as const;
export const OUTLIER_FIELDS = ['consecutiveFailures', 'ejectionTime', 'maxEjectionPercent'] as const;

export const DEFAULT_EXPECT_STATUS = '200-399';
/** What a healthCheck leaves out; the CRD schema carries the same defaults. */
export const HEALTH_DEFAULTS = { path: '/', intervalMs: 5000, timeoutMs: 2000, healthyThreshold: 2, unhealthyThreshold: 3 };
export const OUTLIER_DEFAULTS = { consecutiveFailures: 5, ejectionTimeMs: 30_000, maxEjectionPercent: 50 };
export const THRESHOLD = { min: 1 };
export const PERCENT = { min: 0, max: 100 };

/** "200-399,404" -> [[200, 399], [404, 404]]; undefined when any part is malformed. */
export function parseStatusRanges(text: string): Array<[number, number]> | undefined {
  const ranges: Array<[number, number]> = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?$/.exec(part);
    if (m === null) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo < 100 || hi > 599 || lo > hi) return undefined;
    ranges.push([lo, hi]);
  }
  return ranges;
}

function readExpectStatus(f: Fields): Array<[number, number]> {
  const fallback = parseStatusRanges(DEFAULT_EXPECT_STATUS) as Array<[number, number]>;
  if (!f.has('expectStatus')) return fallback;
  const v = f.get('expectStatus');
  // `expectStatus: 200` arrives from YAML as a number; it means the obvious thing.
  const text = typeof v === 'number' ? String(v) : v;
  if (typeof text === 'string' && text.length > MAX_EXPECT_STATUS_LENGTH) {
    f.error('expectStatus', `must be at most ${MAX_EXPECT_STATUS_LENGTH} characters, got ${text.length}`);
    return fallback;
  }
  const ranges = typeof text === 'string' ? parseStatusRanges(text) : undefined;
  if (ranges === undefined) {
    f.error(
      'expectStatus',
      `must be status codes or ranges from 100 to 599 separated by commas, like "200-399,404", got ${show(v)}`,
    );
    return fallback;
  }
  return ranges;
}

/** A probe path goes into a request line verbatim: "/" then printable ASCII, no spaces. */
export const PROBE_PATH = /^\/[\u0021-\u007e]*$/;

function checkProbePath(s: string): string | undefined {
  if (!s.startsWith('/')) return `must start with "/", like "/health", got ${show(s)}`;
  // It goes into a request line verbatim.
  if (!PROBE_PATH.test(s)) return `must be ASCII without spaces or control characters, got ${show(s)}`;
  return undefined;
}

export function readHealthCheck(spec: Fields): HealthCheckSpec | undefined {
  const f = spec.object('healthCheck', HEALTH_FIELDS);
  if (f === undefined) return undefined;
  const path = f.string('path', checkProbePath) ?? HEALTH_DEFAULTS.path;
  const before = f.issues.list.length;
  const intervalMs = f.duration('interval', HEALTH_DEFAULTS.intervalMs);
  const timeoutMs = f.duration('timeout', HEALTH_DEFAULTS.timeoutMs);
  // Compare only two valid values: a fallback standing in for a bad one would mislead.
  if (f.issues.list.length === before && timeoutMs > intervalMs) {
    f.error(
      'timeout',
      `must not be longer than the interval (${formatDuration(intervalMs)}), got ${formatDuration(timeoutMs)}`,
    );
  }
  return {
    path,
    intervalMs,
    timeoutMs,
    healthyThreshold: f.int('healthyThreshold', THRESHOLD, HEALTH_DEFAULTS.healthyThreshold),
    unhealthyThreshold: f.int('unhealthyThreshold', THRESHOLD, HEALTH_DEFAULTS.unhealthyThreshold),
    expectStatus: readExpectStatus(f),
  };
}

export function readOutlierDetection(spec: Fields): OutlierDetectionSpec {
  const f = spec.object('outlierDetection', OUTLIER_FIELDS);
  const d = OUTLIER_DEFAULTS;
  return {
    consecutiveFailures: f?.int('consecutiveFailures', THRESHOLD, d.consecutiveFailures) ?? d.consecutiveFailures,
    ejectionTimeMs: f?.duration('ejectionTime', d.ejectionTimeMs) ?? d.ejectionTimeMs,
    maxEjectionPercent: f?.int('maxEjectionPercent', PERCENT, d.maxEjectionPercent) ?? d.maxEjectionPercent,
  };
}
