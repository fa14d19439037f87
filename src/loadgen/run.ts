// The run loop of `mast load`. At a fixed rate (open loop) due requests go to an idle slot or wait
// in a queue, and latency counts from the intended send time; at maximum rate (-qps 0, closed
// loop) each slot sends again as soon as its previous request completes.

import { buildHttp1Request, Http1Slot } from "./http1-slot.ts";
import { Http2Connection, Http2Slot } from "./http2-slot.ts";
import { type Bucket, LatencyRecorder, type LatencySummary } from "./latency.ts";
import type { LoadOptions } from "./options.ts";
import { Pacer } from "./pacer.ts";
import type { Outcome, Slot } from "./slot.ts";

export interface LoadResult {
  readonly url: string;
  readonly protocol: string;
  /** Requested rate; 0 = maximum. */
  readonly qps: number;
  readonly connections: number;
  readonly streams: number;
  readonly keepAlive: boolean;
  readonly startedAt: string;
  readonly elapsedSec: number;
  /** Requests the schedule called for (the -n count, or qps × duration at a fixed rate). */
  readonly intended: number;
  readonly sent: number;
  readonly completed: number;
  readonly ok: number;
  readonly errors: number;
  readonly errorKinds: Readonly<Record<string, number>>;
  readonly codes: Readonly<Record<string, number>>;
  /** Completed requests per second. */
  readonly actualQps: number;
  readonly bytesReceived: number;
  /** From intended send time to response end (what a user waits at this arrival rate). */
  readonly latency: LatencySummary;
  /** How late requests left relative to schedule: queueing behind busy connections, scheduling. */
  readonly sendLag: LatencySummary;
  readonly histogram: readonly Bucket[];
}

const now = (): number => Number(process.hrtime.bigint());

export function makeSlots(opts: LoadOptions): Slot[] {
  const slots: Slot[] = [];
  if (opts.protocol === "http1") {
    const request = buildHttp1Request(opts);
    for (let i = 0; i < opts.connections; i++) slots.push(new Http1Slot(opts, request));
  } else {
    for (let i = 0; i < opts.connections; i++) {
      const conn = new Http2Connection(opts);
      for (let s = 0; s < opts.streams; s++) slots.push(new Http2Slot(conn));
    }
  }
  return slots;
}

/** One uncounted request per slot, so connecting and cold code are not in the figures. */
async function warmUp(slots: readonly Slot[], timeoutMs: number): Promise<void> {
  const one = (slot: Slot) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => slot.abort("timeout"), timeoutMs);
      slot.send(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  await Promise.all(slots.map(one));
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const slots = makeSlots(opts);
  const latency = new LatencyRecorder();
  const lag = new LatencyRecorder();
  const errorKinds: Record<string, number> = {};
  const codes: Record<string, number> = {};
  const inflight = new Map<Slot, number>();
  const idle: Slot[] = [];
  const queue: number[] = [];
  let queueHead = 0;
  let sent = 0;
  let completed = 0;
  let ok = 0;
  let bytes = 0;
  let stopping = false;

  const openLoop = opts.qps > 0;
  const durationNs =
    opts.requests === undefined ? opts.durationSec * 1e9 : Number.POSITIVE_INFINITY;
  const total =
    opts.requests ??
    (openLoop ? Math.max(1, Math.floor(opts.durationSec * opts.qps)) : Number.POSITIVE_INFINITY);
  const pacer = openLoop ? await Pacer.create(opts.qps, total) : undefined;
  if (opts.warmup) await warmUp(slots, opts.timeoutMs);
  const t0 = now() + (openLoop ? 1e6 : 0);
  const deadline = t0 + durationNs;
  const startedAt = new Date().toISOString();

  let resolveDone: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const checkDone = () => {
    const allSent = stopping || sent >= total;
    if (allSent && inflight.size === 0) resolveDone();
  };

  const dispatch = (slot: Slot, intended: number): void => {
    sent++;
    const sendAt = now();
    lag.recordNs(Math.max(0, sendAt - intended));
    inflight.set(slot, sendAt);
    slot.send((outcome: Outcome) => {
      const end = now();
      inflight.delete(slot);
      completed++;
      latency.recordNs(end - intended);
      bytes += outcome.bytes;
      if (outcome.code) codes[outcome.code] = (codes[outcome.code] ?? 0) + 1;
      if (outcome.error) errorKinds[outcome.error] = (errorKinds[outcome.error] ?? 0) + 1;
      else ok++;
      // a failed connect can complete synchronously; never recurse on the same stack
      if (outcome.error) setImmediate(() => next(slot));
      else next(slot);
    });
  };

  const next = (slot: Slot): void => {
    const t = now();
    if (!stopping && t >= deadline) stop();
    if (stopping || sent >= total) {
      checkDone();
      return;
    }
    if (!openLoop) dispatch(slot, t);
    else if (queueHead < queue.length) dispatch(slot, queue[queueHead++]);
    else idle.push(slot);
  };

  const stop = (): void => {
    stopping = true;
    queue.length = 0;
    queueHead = 0;
    checkDone();
  };

  if (pacer) {
    pacer.start(t0, (_index, intended) => {
      if (stopping) return;
      const slot = idle.pop();
      if (slot) dispatch(slot, intended);
      else queue.push(intended);
    });
    idle.push(...slots);
  } else {
    for (const slot of slots) dispatch(slot, t0);
  }

  const deadlineTimer = Number.isFinite(durationNs)
    ? setTimeout(stop, Math.ceil((deadline - now()) / 1e6))
    : undefined;
  const timeoutTimer = setInterval(
    () => {
      const t = now();
      for (const [slot, sendAt] of inflight) {
        if (t - sendAt > opts.timeoutMs * 1e6) slot.abort("timeout");
      }
    },
    Math.min(100, opts.timeoutMs),
  );

  await finished;
  const elapsedSec = Math.max(1e-9, (now() - t0) / 1e9);
  clearTimeout(deadlineTimer);
  clearInterval(timeoutTimer);
  await pacer?.stop();
  for (const slot of slots) slot.close();

  const result: LoadResult = {
    url: opts.url.href,
    protocol: opts.protocol,
    qps: opts.qps,
    connections: opts.connections,
    streams: opts.streams,
    keepAlive: opts.keepAlive,
    startedAt,
    elapsedSec: Math.round(elapsedSec * 1000) / 1000,
    intended: Number.isFinite(total) ? total : sent,
    sent,
    completed,
    ok,
    errors: completed - ok,
    errorKinds,
    codes,
    actualQps: Math.round((completed / elapsedSec) * 10) / 10,
    bytesReceived: bytes,
    latency: latency.summary(opts.percentiles),
    sendLag: lag.summary(opts.percentiles),
    histogram: latency.histogram(),
  };
  latency.destroy();
  lag.destroy();
  return result;
}
