// Capped exponential backoff with jitter, so that every replica does not hit a recovering
// API server in the same instant.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** 0..1: each delay is drawn from [d * (1 - jitter), d]. */
  jitter?: number;
  random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 10_000, jitter: 0.2 };

export class Backoff {
  readonly #o: BackoffOptions;
  #attempt = 0;

  constructor(options: BackoffOptions = DEFAULT_BACKOFF) {
    this.#o = options;
  }

  /** The delay before the next attempt; each call doubles it up to the cap. */
  next(): number {
    const base = Math.min(this.#o.maxMs, this.#o.initialMs * 2 ** this.#attempt);
    if (base < this.#o.maxMs) this.#attempt++;
    const jitter = this.#o.jitter ?? 0;
    return Math.round(base * (1 - jitter * (this.#o.random ?? Math.random)()));
  }

  reset(): void {
    this.#attempt = 0;
  }
}
