// The pacer's worker thread: sleeps with Atomics.wait (sub-millisecond, unlike setTimeout) until
// each request's intended send time and posts the highest index that is due.

import { parentPort, workerData } from "node:worker_threads";

interface PacerData {
  readonly periodNs: number;
  readonly total: number;
  readonly control: SharedArrayBuffer;
}

const { periodNs, total, control } = workerData as PacerData;
const stop = new Int32Array(control);

// The schedule starts when the main thread says so: starting a worker takes tens of ms.
parentPort?.once("message", (t0: number) => {
  let next = 0;
  while (next < total && Atomics.load(stop, 0) === 0) {
    const now = Number(process.hrtime.bigint());
    const due = Math.floor((now - t0) / periodNs);
    if (due >= next) {
      const upTo = Math.min(due, total - 1);
      parentPort?.postMessage(upTo);
      next = upTo + 1;
      continue;
    }
    Atomics.wait(stop, 0, 0, (t0 + next * periodNs - now) / 1e6);
  }
});
parentPort?.postMessage("ready");
