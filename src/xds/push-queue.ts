// The push queue: connections waiting for a push, each at most once (a later request for the
// same connection merges into the queued one), processed with a concurrency limit so that a
// burst over many proxies neither starves the event loop nor floods the sockets.

export class PushQueue<K> {
  readonly #limit: number;
  readonly #run: (key: K) => Promise<void>;
  readonly #queued = new Set<K>();
  readonly #inFlight = new Set<K>();
  /** Keys that were re-queued while in flight: they go again when the current push ends. */
  readonly #again = new Set<K>();
  #idle: (() => void)[] = [];

  constructor(limit: number, run: (key: K) => Promise<void>) {
    this.#limit = Math.max(1, limit);
    this.#run = run;
  }

  enqueue(key: K): void {
    if (this.#inFlight.has(key)) this.#again.add(key);
    else this.#queued.add(key);
    this.#pump();
  }

  remove(key: K): void {
    this.#queued.delete(key);
    this.#again.delete(key);
  }

  get pending(): number {
    return this.#queued.size + this.#inFlight.size;
  }

  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    while (this.#inFlight.size < this.#limit && this.#queued.size > 0) {
      const key = this.#queued.values().next().value as K;
      this.#queued.delete(key);
      this.#inFlight.add(key);
      this.#run(key)
        .catch(() => {})
        .finally(() => {
          this.#inFlight.delete(key);
          if (this.#again.delete(key)) this.#queued.add(key);
          this.#pump();
          if (this.pending === 0) {
            const waiters = this.#idle;
            this.#idle = [];
            for (const w of waiters) w();
          }
        });
    }
  }
}

/** At most `limit` tasks at once; the others wait in arrival order. */
export class Gate {
  readonly #limit: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#limit) await new Promise<void>((r) => this.#waiting.push(r));
    else this.#running++;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiter; otherwise it is freed.
      if (next) next();
      else this.#running--;
    }
  }
}
