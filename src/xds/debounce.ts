// Debounce of config change bursts, as istiod's PILOT_DEBOUNCE_AFTER / PILOT_DEBOUNCE_MAX: a
// flush happens after `quietMs` without new events, or at the latest `maxMs` after the first.

export interface DebounceOptions {
  readonly quietMs: number;
  readonly maxMs: number;
}

export const DEFAULT_DEBOUNCE: DebounceOptions = { quietMs: 100, maxMs: 10_000 };

export class Debouncer<T> {
  readonly #opts: DebounceOptions;
  readonly #flush: (items: T[]) => void;
  #items: T[] = [];
  #first = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(opts: DebounceOptions, flush: (items: T[]) => void) {
    this.#opts = opts;
    this.#flush = flush;
  }

  push(item: T): void {
    const now = Date.now();
    if (this.#items.length === 0) this.#first = now;
    this.#items.push(item);
    clearTimeout(this.#timer);
    const untilMax = this.#first + this.#opts.maxMs - now;
    this.#timer = setTimeout(
      () => this.flushNow(),
      Math.max(0, Math.min(this.#opts.quietMs, untilMax)),
    );
  }

  flushNow(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#items.length === 0) return;
    const items = this.#items;
    this.#items = [];
    this.#flush(items);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#items = [];
  }
}
