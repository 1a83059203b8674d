// A token bucket: up to `burst` calls at once, then `qps` per second. Keeps a flapping
// server's status from turning into a stream of writes to the API server.

export class TokenBucket {
  readonly #qps: number;
  readonly #burst: number;
  #tokens: number;
  #at: number;
  readonly #now: () => number;

  constructor(qps: number, burst: number, now: () => number = Date.now) {
    if (qps <= 0 || burst < 1) throw new Error('a token bucket needs qps > 0 and burst >= 1');
    this.#qps = qps;
    this.#burst = burst;
    this.#tokens = burst;
    this.#now = now;
    this.#at = now();
  }

  /** Milliseconds until a token is free (0: take one now). Takes it when free. */
  tryTake(): number {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) / 1000) * this.#qps);
    this.#at = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.#tokens) / this.#qps) * 1000);
  }

  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const wait = this.tryTake();
      if (wait === 0 || signal?.aborted) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        signal?.addEventListener('abort', () => {
          clearTimeout(t);
          resolve();
        }, { once: true });
      });
    }
  }
}
