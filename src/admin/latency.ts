// Recent upstream latency per server for the status page, read from the
// passthru_upstream_duration_seconds histogram the handler already records, so the request
// path pays nothing extra. A lifetime mean would hide a server that has just turned slow, so
// the page shows the mean over the last minute: the histogram's sum and count now, minus a
// snapshot taken about a minute ago.
import type { Histogram, Registry } from 'prom-client';

const METRIC = 'passthru_upstream_duration_seconds';
/** How often a snapshot is taken, and how many are kept: a window of about a minute. */
export const SNAPSHOT_EVERY_MS = 10_000;
const KEEP = 7;

interface Totals {
  sum: number;
  count: number;
}
type Snapshot = Map<string, Totals>;

export function latencyKey(target: string, server: string): string {
  return `${target}\u0000${server}`;
}

export class RecentLatency {
  private readonly registry: Registry;
  /** Oldest first; empty until the first snapshot, when the lifetime totals stand in. */
  private readonly snapshots: Snapshot[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(registry: Registry) {
    this.registry = registry;
  }

  /** Starts snapshotting; the timer never keeps the process alive. */
  start(): void {
    if (this.timer) return;
    void this.snapshot();
    this.timer = setInterval(() => void this.snapshot(), SNAPSHOT_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async snapshot(): Promise<void> {
    this.snapshots.push(await this.totals());
    if (this.snapshots.length > KEEP) this.snapshots.shift();
  }

  /** Mean milliseconds per target+server over the window; servers with no answers in it are absent. */
  async meansMs(): Promise<Map<string, number>> {
    const now = await this.totals();
    const then: Snapshot = this.snapshots[0] ?? new Map();
    const means = new Map<string, number>();
    for (const [key, total] of now) {
      const before = then.get(key) ?? { sum: 0, count: 0 };
      const count = total.count - before.count;
      if (count > 0) means.set(key, ((total.sum - before.sum) / count) * 1000);
    }
    return means;
  }

  private async totals(): Promise<Snapshot> {
    const out: Snapshot = new Map();
    const metric = this.registry.getSingleMetric(METRIC) as Histogram<'target' | 'server'> | undefined;
    if (!metric) return out;
    const { values } = await metric.get();
    for (const v of values) {
      const suffix = v.metricName?.slice(METRIC.length);
      if (suffix !== '_sum' && suffix !== '_count') continue;
      const key = latencyKey(String(v.labels['target']), String(v.labels['server']));
      const t = out.get(key) ?? { sum: 0, count: 0 };
      if (suffix === '_sum') t.sum = v.value;
      else t.count = v.value;
      out.set(key, t);
    }
    return out;
  }
}
