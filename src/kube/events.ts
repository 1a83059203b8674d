// Kubernetes Events for what users should see in `kubectl describe`: a Warning when a target
// is rejected, with the condition's reason. De-duplicated per object: the same reason and
// message are recorded once, not on every rebuild; a new one (or the same after the object
// was accepted in between) is recorded again. Only the leader records.
import type { Logger } from 'pino';
import type { KubeRest } from './rest.ts';
import { EVENT_TYPE, collectionPath, type KubeObject } from './resources.ts';
import { TokenBucket } from './token-bucket.ts';

export interface EventRecorderOptions {
  rest: KubeRest;
  logger: Logger;
  /** Who reports: the controller's name and this replica's identity. */
  component: string;
  instance: string;
  qps?: number;
  burst?: number;
}

const MAX_MESSAGE = 1024;

export class EventRecorder {
  readonly #o: EventRecorderOptions;
  readonly #log: Logger;
  readonly #bucket: TokenBucket;
  /** uid -> "reason\0message" of the last event recorded for it. */
  readonly #last = new Map<string, string>();
  #chain: Promise<void> = Promise.resolve();

  constructor(options: EventRecorderOptions) {
    this.#o = options;
    this.#log = options.logger.child({ part: 'events' });
    this.#bucket = new TokenBucket(options.qps ?? 5, options.burst ?? 25);
  }

  /** Records a Warning unless the same one was the last recorded for this object. */
  warning(obj: KubeObject, reason: string, message: string): void {
    const uid = obj.metadata.uid ?? `${obj.metadata.namespace}/${obj.metadata.name}`;
    const key = `${reason}\u0000${message}`;
    if (this.#last.get(uid) === key) return;
    this.#last.set(uid, key);
    this.#chain = this.#chain.then(() => this.#send(obj, 'Warning', reason, message));
  }

  /** The object is fine again (or gone): its next problem is news. */
  clear(obj: KubeObject): void {
    this.#last.delete(obj.metadata.uid ?? `${obj.metadata.namespace}/${obj.metadata.name}`);
  }

  /** Resolves when every queued event has been sent (or failed); for shutdown and tests. */
  flushed(): Promise<void> {
    return this.#chain;
  }

  async #send(obj: KubeObject, type: 'Warning' | 'Normal', reason: string, message: string): Promise<void> {
    await this.#bucket.take();
    const namespace = obj.metadata.namespace ?? 'default';
    const now = new Date();
    const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${obj.metadata.name}.${now.getTime().toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      type,
      reason,
      message: text,
      source: { component: this.#o.component },
      reportingComponent: this.#o.component,
      reportingInstance: this.#o.instance.slice(0, 128),
      firstTimestamp: rfc3339(now),
      lastTimestamp: rfc3339(now),
      count: 1,
    };
    try {
      await this.#o.rest.json(collectionPath(EVENT_TYPE, namespace), { method: 'POST', body: event, timeoutMs: 10_000 });
      this.#log.debug({ target: `${namespace}/${obj.metadata.name}`, reason }, 'event recorded');
    } catch (err) {
      this.#log.warn({ target: `${namespace}/${obj.metadata.name}`, reason, err: (err as Error).message }, 'could not record an event');
    }
  }
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
