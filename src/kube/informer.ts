// List-then-watch cache of one kind, the way every watched kind is read. client-node's
// ListWatch stops on the first non-410 error and leaves restarting to its user; this one
// owns the whole loop: capped backoff after any error, a relist on 410 Gone, a watchdog that
// restarts a watch silent (no event, no bookmark) past its timeout, and a `synced` promise
// that resolves once the first list is in.
import type { Logger } from 'pino';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';
import { ApiError, isStatus, type KubeRest, type KubeStatus } from './rest.ts';
import { collectionPath, objectKey, type KubeObject, type ResourceType } from './resources.ts';

export interface InformerHandlers<T> {
  add?(obj: T): void;
  update?(obj: T, old: T): void;
  delete?(obj: T): void;
}

export interface InformerOptions<T extends KubeObject> {
  rest: KubeRest;
  type: ResourceType;
  /** Watch one namespace; undefined: all of them. */
  namespace?: string;
  logger: Logger;
  handlers?: InformerHandlers<T>;
  /** Restart a watch that delivered nothing (not even a bookmark) for this long. Default 5 min. */
  watchTimeoutMs?: number;
  /** Ask the API server to end each watch after about this long (±50%). Default 5 min. */
  serverTimeoutSeconds?: number;
  backoff?: BackoffOptions;
  /** Applied to every object before it is cached (drop what is never read, to save memory). */
  transform?: (obj: T) => T;
  pageSize?: number;
}

export const DEFAULT_WATCH_TIMEOUT_MS = 5 * 60_000;

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject & KubeStatus;
}

type WatchEnd = 'closed' | 'gone' | 'watchdog' | 'stopped';

export class Informer<T extends KubeObject> {
  readonly synced: Promise<void>;
  readonly #o: InformerOptions<T>;
  readonly #path: string;
  readonly #log: Logger;
  readonly #backoff: Backoff;
  #store = new Map<string, T>();
  #resourceVersion = '';
  #hasSynced = false;
  #markSynced!: () => void;
  #stopped = false;
  #running: Promise<void> | undefined;
  #abort: AbortController | undefined;
  #wake: (() => void) | undefined;
  /** Consecutive failed attempts, for the "restored" log line. */
  #failures = 0;
  #watches = 0;
  #relists = 0;

  constructor(options: InformerOptions<T>) {
    this.#o = options;
    this.#path = collectionPath(options.type, options.namespace);
    this.#log = options.logger.child({ resource: options.type.plural });
    this.#backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
    this.synced = new Promise((resolve) => (this.#markSynced = resolve));
  }

  get hasSynced(): boolean {
    return this.#hasSynced;
  }

  /** How many watches and lists were started: for tests and the debug log. */
  get stats(): { watches: number; relists: number } {
    return { watches: this.#watches, relists: this.#relists };
  }

  get(namespace: string, name: string): T | undefined {
    return this.#store.get(`${namespace}/${name}`);
  }

  list(): T[] {
    return [...this.#store.values()];
  }

  start(): void {
    if (this.#running) return;
    this.#stopped = false;
    this.#running = this.#loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort?.abort();
    this.#wake?.();
    await this.#running;
    this.#running = undefined;
  }

  async #loop(): Promise<void> {
    let needList = true;
    while (!this.#stopped) {
      try {
        if (needList) {
          await this.#list();
          needList = false;
        }
        const started = Date.now();
        const { end, events } = await this.#watch();
        if (end === 'stopped') return;
        if (end === 'gone') {
          this.#log.info('watch expired (410 Gone); relisting');
          needList = true;
          continue;
        }
        if (end === 'watchdog') {
          this.#log.warn({ silentForMs: this.#watchTimeout }, 'watch silent past its timeout; restarting it');
          continue;
        }
        // A watch the server ended at once with nothing in it would otherwise spin.
        if (events === 0 && Date.now() - started < 1000) await this.#sleep(this.#backoff.next());
      } catch (err) {
        if (this.#stopped) return;
        if (isStatus(err, 410)) {
          needList = true;
          this.#log.info('resource version too old (410 Gone); relisting');
          continue;
        }
        this.#failures++;
        const delay = this.#backoff.next();
        const e = err as Error;
        this.#log.warn({ err: e.message, code: (err as ApiError).code, retryInMs: delay, failures: this.#failures }, describe(err, this.#o.type));
        await this.#sleep(delay);
      }
    }
  }

  get #watchTimeout(): number {
    return this.#o.watchTimeoutMs ?? DEFAULT_WATCH_TIMEOUT_MS;
  }

  async #list(): Promise<void> {
    this.#relists++;
    const items: T[] = [];
    let cont: string | undefined;
    let rv: string;
    do {
      const page = await this.#o.rest.json<{ metadata?: { resourceVersion?: string; continue?: string }; items?: T[] }>(this.#path, {
        query: { limit: this.#o.pageSize ?? 500, continue: cont },
        timeoutMs: 60_000,
      });
      for (const item of page.items ?? []) items.push(this.#prepare(item));
      cont = page.metadata?.continue || undefined;
      rv = page.metadata?.resourceVersion ?? '';
    } while (cont && !this.#stopped);
    if (this.#stopped) return;

    const old = this.#store;
    // Unchanged objects keep their identity, so caches keyed by object stay valid.
    const next = new Map(
      items.map((o) => {
        const key = objectKey(o.metadata);
        const prev = old.get(key);
        return [key, prev && prev.metadata.resourceVersion === o.metadata.resourceVersion ? prev : o];
      }),
    );
    this.#store = next;
    this.#resourceVersion = rv;
    const h = this.#o.handlers ?? {};
    for (const [key, prev] of old) if (!next.has(key)) h.delete?.(prev);
    for (const [key, obj] of next) {
      const prev = old.get(key);
      if (!prev) h.add?.(obj);
      else if (prev.metadata.resourceVersion !== obj.metadata.resourceVersion) h.update?.(obj, prev);
    }
    this.#restored();
    if (!this.#hasSynced) {
      this.#hasSynced = true;
      this.#log.info({ objects: next.size }, 'cache synced');
      this.#markSynced();
    } else {
      this.#log.info({ objects: next.size }, 'cache relisted');
    }
  }

  async #watch(): Promise<{ end: WatchEnd; events: number }> {
    this.#watches++;
    const abort = new AbortController();
    this.#abort = abort;
    let silent = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        silent = true;
        abort.abort();
      }, this.#watchTimeout);
    };
    let events = 0;
    const serverTimeout = this.#o.serverTimeoutSeconds ?? 300;
    arm();
    try {
      const body = await this.#o.rest.stream(this.#path, {
        query: {
          watch: 1,
          resourceVersion: this.#resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: Math.round(serverTimeout * (0.5 + Math.random())),
        },
        signal: abort.signal,
      });
      this.#restored();
      const reader = body.getReader();
      const decoder = new TextDecoder();
      let buffered = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return { end: 'closed', events };
        buffered += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (!line) continue;
          arm();
          events++;
          if (this.#event(JSON.parse(line) as WatchEvent) === 'gone') return { end: 'gone', events };
        }
      }
    } catch (err) {
      if (this.#stopped) return { end: 'stopped', events };
      if (silent) return { end: 'watchdog', events };
      throw err;
    } finally {
      clearTimeout(timer);
      abort.abort();
      if (this.#abort === abort) this.#abort = undefined;
    }
  }

  #event(ev: WatchEvent): 'gone' | undefined {
    if (ev.type === 'ERROR') {
      const status = ev.object;
      if (status.code === 410) return 'gone';
      throw new ApiError(status.code ?? 500, status.reason ?? 'WatchError', `watch ${this.#path}: ${status.message ?? 'error event'}`);
    }
    const rv = ev.object.metadata?.resourceVersion;
    if (ev.type === 'BOOKMARK') {
      if (rv) this.#resourceVersion = rv;
      return undefined;
    }
    const obj = this.#prepare(ev.object as T);
    const key = objectKey(obj.metadata);
    const prev = this.#store.get(key);
    const h = this.#o.handlers ?? {};
    if (ev.type === 'DELETED') {
      if (prev) {
        this.#store.delete(key);
        h.delete?.(prev);
      }
    } else if (!prev) {
      this.#store.set(key, obj);
      h.add?.(obj);
    } else if (prev.metadata.resourceVersion !== obj.metadata.resourceVersion) {
      this.#store.set(key, obj);
      h.update?.(obj, prev);
    }
    if (rv) this.#resourceVersion = rv;
    return undefined;
  }

  #prepare(obj: T): T {
    // List items come without apiVersion and kind; watch events carry them.
    obj.apiVersion ??= this.#o.type.apiVersion;
    obj.kind ??= this.#o.type.kind;
    return this.#o.transform ? this.#o.transform(obj) : obj;
  }

  #restored(): void {
    this.#backoff.reset();
    if (this.#failures === 0) return;
    this.#log.info({ failures: this.#failures }, 'API server reachable again; watch restored');
    this.#failures = 0;
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }
}

function describe(err: unknown, type: ResourceType): string {
  if (err instanceof ApiError) {
    if (err.status === 404) return `cannot list ${type.plural}: not found (is the ${type.kind} CRD installed?); retrying`;
    if (err.status === 401 || err.status === 403) return `not allowed to list or watch ${type.plural} (check the RBAC rules); retrying`;
    if (err.status === 0) return `API server unreachable while watching ${type.plural}; retrying`;
  }
  return `watching ${type.plural} failed; retrying`;
}
