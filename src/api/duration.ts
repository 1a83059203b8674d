// Go-style durations ("300ms", "1m30s", "1.5h"), because that is what Kubernetes users
// already write in every other manifest (probes, Gateway API timeouts, metav1.Duration).

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign, as Go prints it
  'μs': 1e-3, // U+03BC Greek mu, which Go also accepts
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

// "ms" must be tried before "m", and the two-letter units before "s".
const TERM = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Milliseconds (possibly fractional) for a Go duration string; undefined when malformed. */
export function parseDuration(s: string): number | undefined {
  if (typeof s !== 'string') return undefined;
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  // Go accepts a bare "0" as the only unit-less duration.
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < rest.length) {
    const at = TERM.lastIndex;
    const m = TERM.exec(rest);
    if (m === null || m.index !== at) return undefined;
    const unit = UNIT_MS[m[2] as string];
    if (unit === undefined) return undefined;
    total += Number(m[1]) * unit;
  }
  if (!Number.isFinite(total)) return undefined;
  // Sums like 0.1h + 0.2h must not come out as 1080000.0000000002.
  return sign * (Math.round(total * 1e6) / 1e6);
}

function trim(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/** The shortest Go-style spelling of a millisecond count, for messages: 90000 -> "1m30s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms === 0) return '0s';
  if (ms < 1e-3) return `${trim(ms * 1e6)}ns`;
  if (ms < 1) return `${trim(ms * 1e3)}us`;
  if (ms < 1000) return `${trim(ms)}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 ? `${trim(s)}s` : ''}`;
}
