// Open-loop schedule: request k is intended at t0 + k/qps whatever happened to earlier requests,
// so a slow server shows up as latency instead of as fewer requests (no coordinated omission).
// setTimeout only has millisecond resolution, so a worker thread does the waiting.

import { once } from "node:events";
import { Worker } from "node:worker_threads";

export class Pacer {
  private readonly worker: Worker;
  private readonly control = new SharedArrayBuffer(4);
  private readonly periodNs: number;
  private released = 0;

  private constructor(qps: number, total: number) {
    this.periodNs = 1e9 / qps;
    this.worker = new Worker(new URL("./pacer-thread.ts", import.meta.url), {
      workerData: { periodNs: this.periodNs, total, control: this.control },
    });
    this.worker.unref();
  }

  /** Starts a pacer thread and waits until it runs; `start` then begins the schedule. */
  static async create(qps: number, total: number): Promise<Pacer> {
    const pacer = new Pacer(qps, total);
    const [msg] = (await once(pacer.worker, "message")) as [unknown];
    if (msg !== "ready") throw new Error(`pacer: unexpected message ${String(msg)}`);
    return pacer;
  }

  /**
   * Begins the schedule at `t0` (ns, process.hrtime clock); `onDue` gets each request's index and
   * intended send time, in order.
   */
  start(t0: number, onDue: (index: number, intendedNs: number) => void): void {
    this.worker.on("message", (upTo: number) => {
      for (; this.released <= upTo; this.released++)
        onDue(this.released, t0 + this.released * this.periodNs);
    });
    this.worker.postMessage(t0);
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
