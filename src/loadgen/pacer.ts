// Open-loop schedule: request k is intended at t0 + k/qps whatever happened to earlier requests,
// so a slow server shows up as latency instead of as fewer requests (no coordinated omission).
// setTimeout only has millisecond resolution, so a worker thread does the waiting.

import { Worker } from "node:worker_threads";

export class Pacer {
  private readonly worker: Worker;
  private readonly control = new SharedArrayBuffer(4);
  private released = 0;

  /**
   * @param t0 start of the schedule in ns (process.hrtime clock)
   * @param onDue called with each request's index and intended send time, in order
   */
  constructor(
    t0: number,
    qps: number,
    total: number,
    onDue: (index: number, intendedNs: number) => void,
  ) {
    const periodNs = 1e9 / qps;
    this.worker = new Worker(new URL("./pacer-thread.ts", import.meta.url), {
      workerData: { t0, periodNs, total, control: this.control },
    });
    this.worker.on("message", (upTo: number) => {
      for (; this.released <= upTo; this.released++) {
        onDue(this.released, t0 + this.released * periodNs);
      }
    });
    this.worker.unref();
  }

  /** How many requests have come due so far. */
  get dueCount(): number {
    return this.released;
  }

  async stop(): Promise<void> {
    const flag = new Int32Array(this.control);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    await this.worker.terminate();
  }
}
