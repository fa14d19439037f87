// Latency recording: an HDR histogram (hdr-histogram-js) in microseconds for exact percentiles,
// plus fixed millisecond buckets, fortio-style, for a histogram a reader can plot.

import { build, type Histogram } from "hdr-histogram-js";

/** Upper bounds in ms of the reported buckets; the last bucket is open-ended. */
const BUCKET_BOUNDS_MS = [
  0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 200, 500,
  1000, 2000, 5000, 10000,
];

export interface Bucket {
  /** Lower bound in ms (inclusive) */
  readonly fromMs: number;
  /** Upper bound in ms (exclusive); null for the open last bucket. */
  readonly toMs: number | null;
  readonly count: number;
  readonly percent: number;
}

export interface LatencySummary {
  readonly count: number;
  readonly minMs: number;
  readonly meanMs: number;
  readonly maxMs: number;
  readonly stddevMs: number;
  /** Keyed by percentile as written: "50", "90", "99", "99.9". */
  readonly percentilesMs: Readonly<Record<string, number>>;
}

export class LatencyRecorder {
  private readonly hdr: Histogram;
  private readonly buckets = new Array<number>(BUCKET_BOUNDS_MS.length + 1).fill(0);

  constructor() {
    this.hdr = build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000 });
  }

  /** Records one latency given in nanoseconds. */
  recordNs(ns: number): void {
    const us = Math.max(1, Math.round(ns / 1000));
    this.hdr.recordValue(us);
    const ms = us / 1000;
    let lo = 0;
    let hi = BUCKET_BOUNDS_MS.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ms < BUCKET_BOUNDS_MS[mid]) hi = mid;
      else lo = mid + 1;
    }
    this.buckets[lo]++;
  }

  get count(): number {
    return this.hdr.totalCount;
  }

  summary(percentiles: readonly number[]): LatencySummary {
    const n = this.hdr.totalCount;
    const ms = (us: number) => round3(us / 1000);
    const percentilesMs: Record<string, number> = {};
    for (const p of percentiles)
      percentilesMs[String(p)] = n ? ms(this.hdr.getValueAtPercentile(p)) : 0;
    return {
      count: n,
      minMs: n ? ms(this.hdr.minNonZeroValue) : 0,
      meanMs: n ? ms(this.hdr.mean) : 0,
      maxMs: n ? ms(this.hdr.maxValue) : 0,
      stddevMs: n ? ms(this.hdr.stdDeviation) : 0,
      percentilesMs,
    };
  }

  histogram(): Bucket[] {
    const n = this.hdr.totalCount;
    const out: Bucket[] = [];
    this.buckets.forEach((count, i) => {
      if (count === 0) return;
      out.push({
        fromMs: i === 0 ? 0 : BUCKET_BOUNDS_MS[i - 1],
        toMs: i < BUCKET_BOUNDS_MS.length ? BUCKET_BOUNDS_MS[i] : null,
        count,
        percent: round3((100 * count) / n),
      });
    });
    return out;
  }

  destroy(): void {
    this.hdr.destroy();
  }
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
