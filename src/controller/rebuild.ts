// One loop rebuilds the whole routing config from the cache, batched as Contour does: a
// change arms a short hold-off that each further change pushes back, but never past a
// maximum wait from the first change, so a steady stream of updates cannot starve it.
import type { Clock } from '../health/clock.ts';

export interface RebuildLoopOptions {
  clock: Clock;
  /** Quiet time to wait for after a change. Default 50 ms. */
  holdOffMs?: number;
  /** Longest a change waits, however busy the stream. Default 1 s. */
  maxWaitMs?: number;
  rebuild: () => void;
}

export class RebuildLoop {
  readonly #o: RebuildLoopOptions;
  #timer: unknown;
  #firstChangeAt: number | undefined;
  #enabled = false;
  #stopped = false;
  #runs = 0;

  constructor(options: RebuildLoopOptions) {
    this.#o = options;
  }

  get runs(): number {
    return this.#runs;
  }

  /** Nothing is built before the caches have synced: changes only accumulate until then. */
  enable(): void {
    this.#enabled = true;
  }

  trigger(): void {
    if (this.#stopped) return;
    const now = this.#o.clock.now();
    this.#firstChangeAt ??= now;
    if (!this.#enabled) return;
    const holdOff = this.#o.holdOffMs ?? 50;
    const maxWait = this.#o.maxWaitMs ?? 1000;
    const due = Math.min(now + holdOff, this.#firstChangeAt + maxWait);
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = this.#o.clock.setTimeout(() => this.flush(), Math.max(0, due - now));
  }

  /** Rebuilds now (the first build after sync, and the timer's). */
  flush(): void {
    if (this.#stopped) return;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#firstChangeAt = undefined;
    this.#runs++;
    this.#o.rebuild();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
