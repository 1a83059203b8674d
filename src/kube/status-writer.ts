// The one writer of `status` (leader only). Work is queued per object and merged: a newer
// wish for the same object replaces the pending one. Each write renders the wanted status
// against the freshest copy of the object (so lastTransitionTime survives), skips it when
// nothing would change, waits for the rate limiter, and sends a merge patch guarded by the
// object's resourceVersion; a conflict re-reads the object and tries again.
import type { Logger } from 'pino';
import { Backoff } from './backoff.ts';
import { isStatus, type KubeRest } from './rest.ts';
import { objectPath, type KubeObject, type ResourceType } from './resources.ts';
import { TokenBucket } from './token-bucket.ts';

export type StatusObject = KubeObject & { status?: unknown };

/** Renders the status to write from the object's current one. */
export type RenderStatus = (current: unknown) => unknown;

export interface StatusWriterOptions {
  rest: KubeRest;
  type: ResourceType;
  logger: Logger;
  /** The latest copy the informer holds; undefined once the object is gone. */
  lookup: (namespace: string, name: string) => StatusObject | undefined;
  fieldManager?: string;
  /** Rate limit: writes per second, and how many may go at once. Default 10 / 20. */
  qps?: number;
  burst?: number;
  maxConflictRetries?: number;
  /** Extra fields for the "status written" log line (who wrote it). */
  logFields?: Record<string, unknown>;
}

export class StatusWriter {
  readonly #o: StatusWriterOptions;
  readonly #log: Logger;
  readonly #bucket: TokenBucket;
  readonly #queue = new Map<string, { namespace: string; name: string; render: RenderStatus }>();
  /** The object as our last write (or a re-read after a conflict) returned it. */
  readonly #fresh = new Map<string, StatusObject>();
  readonly #retry = new Backoff({ initialMs: 500, maxMs: 30_000, jitter: 0.2 });
  #active = false;
  #stopped = false;
  #running: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #abort = new AbortController();
  #written = 0;
  #skipped = 0;

  constructor(options: StatusWriterOptions) {
    this.#o = options;
    this.#log = options.logger.child({ part: 'status' });
    this.#bucket = new TokenBucket(options.qps ?? 10, options.burst ?? 20);
  }

  get stats(): { written: number; skipped: number; queued: number } {
    return { written: this.#written, skipped: this.#skipped, queued: this.#queue.size };
  }

  /** Queues a status for the object; replaces a wish for it that has not been written yet. */
  enqueue(namespace: string, name: string, render: RenderStatus): void {
    if (this.#stopped) return;
    const key = `${namespace}/${name}`;
    this.#queue.delete(key); // re-insert: the newest wish goes to the back of the line
    this.#queue.set(key, { namespace, name, render });
    this.#kick();
  }

  /** The object was deleted: drop what we held for it. */
  forget(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    this.#queue.delete(key);
    this.#fresh.delete(key);
  }

  /** Writes only while active (the leader); the queue is kept while passive. */
  setActive(active: boolean): void {
    this.#active = active;
    if (active) this.#kick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    this.#wake?.();
    await this.#running;
  }

  /** Resolves when the queue is empty (or the writer is passive); for tests. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #kick(): void {
    if (!this.#active || this.#stopped || this.#running) return;
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      if (this.#queue.size > 0 && this.#active && !this.#stopped) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    while (this.#active && !this.#stopped) {
      const first = this.#queue.entries().next();
      if (first.done) return;
      const [key, item] = first.value;
      this.#queue.delete(key);
      try {
        await this.#write(key, item.namespace, item.name, item.render);
        this.#retry.reset();
      } catch (err) {
        if (this.#stopped) return;
        const delay = this.#retry.next();
        this.#log.warn({ target: key, err: (err as Error).message, retryInMs: delay }, 'status write failed; will retry');
        // Put it back unless a newer wish arrived meanwhile.
        if (!this.#queue.has(key)) this.#queue.set(key, item);
        await this.#sleep(delay);
      }
    }
  }

  async #write(key: string, namespace: string, name: string, render: RenderStatus): Promise<void> {
    const retries = this.#o.maxConflictRetries ?? 5;
    for (let attempt = 0; ; attempt++) {
      const obj = this.#current(key, namespace, name);
      if (!obj) return; // deleted: nothing to write
      const status = render(obj.status);
      if (same(status, obj.status)) {
        this.#skipped++;
        return;
      }
      await this.#bucket.take(this.#abort.signal);
      if (this.#stopped || !this.#active) {
        this.#queue.set(key, { namespace, name, render });
        return;
      }
      try {
        const written = await this.#o.rest.json<StatusObject>(objectPath(this.#o.type, namespace, name, 'status'), {
          method: 'PATCH',
          contentType: 'application/merge-patch+json',
          query: { fieldManager: this.#o.fieldManager ?? 'passthru' },
          body: { metadata: { resourceVersion: obj.metadata.resourceVersion }, status },
          signal: this.#abort.signal,
        });
        this.#fresh.set(key, written);
        this.#written++;
        this.#log.info({ target: key, generation: obj.metadata.generation, ...this.#o.logFields }, 'status written');
        return;
      } catch (err) {
        if (isStatus(err, 404)) {
          this.forget(namespace, name);
          return;
        }
        if (!isStatus(err, 409) || attempt >= retries) throw err;
        // Someone changed the object since we read it: read it again and re-render.
        try {
          this.#fresh.set(key, await this.#o.rest.json<StatusObject>(objectPath(this.#o.type, namespace, name), { signal: this.#abort.signal }));
        } catch (readErr) {
          if (isStatus(readErr, 404)) {
            this.forget(namespace, name);
            return;
          }
          throw readErr;
        }
      }
    }
  }

  /** The freshest copy we know: the informer's, unless our own write (or re-read) is newer. */
  #current(key: string, namespace: string, name: string): StatusObject | undefined {
    const cached = this.#o.lookup(namespace, name);
    const fresh = this.#fresh.get(key);
    if (!cached) {
      this.#fresh.delete(key);
      return undefined;
    }
    if (!fresh || fresh.metadata.uid !== cached.metadata.uid || fresh.metadata.resourceVersion === cached.metadata.resourceVersion) {
      this.#fresh.delete(key);
      return cached;
    }
    // The informer has not caught up with our write yet (or has moved past it; then the
    // guarded patch conflicts and the re-read settles it).
    return fresh;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.#wake = done;
    });
  }
}

/** Deep equality of JSON values, ignoring key order. */
export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

