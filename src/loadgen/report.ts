// Human-readable summary of a load run, in the spirit of fortio's text output.

import type { LatencySummary } from "./latency.ts";
import type { LoadResult } from "./run.ts";

export function formatLoadResult(r: LoadResult): string {
  const rate = r.qps > 0 ? `${r.qps} qps (open loop)` : "max qps (closed loop)";
  const streams = r.streams > 1 ? ` x ${r.streams} streams` : "";
  const conns = `${r.connections} connection${r.connections === 1 ? "" : "s"}${streams}`;
  const lines = [
    `${r.protocol} ${r.url}: ${rate}, ${conns}${r.keepAlive ? "" : ", new connection per request"}`,
    `intended ${r.intended}, sent ${r.sent}, completed ${r.completed} in ${r.elapsedSec.toFixed(3)} s: ${r.actualQps} qps`,
    `ok ${r.ok}, errors ${r.errors}${kinds(r.errorKinds)}`,
    `codes ${
      Object.entries(r.codes)
        .map(([c, n]) => `${c}: ${n}`)
        .join(", ") || "none"
    }`,
    `latency from intended send time: ${summaryLine(r.latency)}`,
    `send lag behind schedule:        ${summaryLine(r.sendLag)}`,
    "histogram (ms):",
  ];
  let cumulative = 0;
  for (const b of r.histogram) {
    cumulative += b.percent;
    const range = b.toMs === null ? `>= ${b.fromMs}` : `${b.fromMs} - ${b.toMs}`;
    lines.push(
      `  ${range.padEnd(16)} ${String(b.count).padStart(9)}  ${b.percent.toFixed(2).padStart(6)} %  (${Math.min(100, cumulative).toFixed(2)} %)`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function summaryLine(s: LatencySummary): string {
  const ps = Object.entries(s.percentilesMs)
    .map(([p, v]) => `p${p} ${v.toFixed(3)}`)
    .join(", ");
  return `${ps}, mean ${s.meanMs.toFixed(3)}, max ${s.maxMs.toFixed(3)} ms`;
}

function kinds(errorKinds: Readonly<Record<string, number>>): string {
  const entries = Object.entries(errorKinds);
  return entries.length ? ` (${entries.map(([k, n]) => `${k} ${n}`).join(", ")})` : "";
}
