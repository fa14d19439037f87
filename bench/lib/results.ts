// Result rows, their files (`bench/results/<date>-<scenario>.json`, `latest.json`) and the
// Markdown table printed and written into bench/README.md between markers.

import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** One row of latest.json; the first ten fields are the contract, the rest context. */
export interface Row {
  readonly scenario: string;
  readonly system: string;
  readonly rps: number;
  /** CPU of the proxy processes per 1,000 requests (per 1,000 MiB for streams); null for direct. */
  readonly cpu_ms_per_1k: number | null;
  readonly p50_ms: number | null;
  readonly p90_ms: number | null;
  readonly p99_ms: number | null;
  readonly p999_ms: number | null;
  /** RSS of the proxy processes after the run; null for direct. */
  readonly rss_mb: number | null;
  readonly errors: number;
  readonly unit: "req" | "MiB";
  readonly requests: number;
  readonly seconds: number;
  readonly backend_cpu_ms_per_1k: number;
  /** CPU seconds other processes on the machine used during the row (noise; tick-sampled). */
  readonly other_cpu_s: number;
  readonly rss_idle_mb: number | null;
  /** config-churn: config changes pushed during the row, and how many the proxy ACKed. */
  readonly changes?: number;
  readonly changes_acked?: number;
  /** Measurements taken (noisy rows are measured again); the quietest is kept. */
  readonly attempts?: number;
  readonly date: string;
  readonly mode: "quick" | "full";
}

export interface RunInfo {
  readonly date: string;
  readonly mode: "quick" | "full";
  readonly machine: string;
  readonly placement: string;
  readonly notes: readonly string[];
}

const fmt = (v: number | null, digits: number) => (v === null ? "–" : v.toFixed(digits));

export function markdownTable(rows: readonly Row[], titles: ReadonlyMap<string, string>): string {
  const out: string[] = [];
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  out.push(
    "| scenario | system | rps | CPU ms / 1k | p50 ms | p90 ms | p99 ms | p99.9 ms | RSS MB | errors |",
  );
  out.push("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const s of scenarios) {
    for (const r of rows.filter((x) => x.scenario === s)) {
      const rps = r.unit === "MiB" ? `${fmt(r.rps, 0)} MiB/s` : fmt(r.rps, 0);
      out.push(
        `| ${s} | ${r.system} | ${rps} | ${fmt(r.cpu_ms_per_1k, 1)} | ${fmt(r.p50_ms, 3)} | ${fmt(r.p90_ms, 3)} | ${fmt(r.p99_ms, 3)} | ${fmt(r.p999_ms, 3)} | ${fmt(r.rss_mb, 1)} | ${r.errors} |`,
      );
    }
  }
  out.push("");
  out.push("Scenarios:");
  for (const s of scenarios) out.push(`- \`${s}\`: ${titles.get(s) ?? s}`);
  return out.join("\n");
}

/** Side-by-side ratios the targets are stated in: Mast's CPU against haproxy's, added latency. */
export function ratiosTable(rows: readonly Row[]): string {
  const find = (s: string, sys: string) => rows.find((r) => r.scenario === s && r.system === sys);
  const out: string[] = [];
  for (const s of [...new Set(rows.map((r) => r.scenario))]) {
    const direct = find(s, "direct");
    const haproxy = find(s, "haproxy");
    for (const sys of ["mast", "haproxy", "nginx", "mast-pair", "haproxy-pair"]) {
      const r = find(s, sys);
      if (!r || !direct) continue;
      const cpu =
        r.cpu_ms_per_1k !== null && haproxy?.cpu_ms_per_1k
          ? (r.cpu_ms_per_1k / haproxy.cpu_ms_per_1k).toFixed(2)
          : "–";
      const add = (a: number | null, b: number | null) =>
        a !== null && b !== null ? (a - b).toFixed(3) : "–";
      out.push(
        `| ${s} | ${sys} | ${cpu} | ${add(r.p50_ms, direct.p50_ms)} | ${add(r.p90_ms, direct.p90_ms)} | ${add(r.p99_ms, direct.p99_ms)} |`,
      );
    }
  }
  if (out.length === 0) return "";
  return [
    "| scenario | system | CPU / haproxy's | added p50 ms | added p90 ms | added p99 ms |",
    "|---|---|---:|---:|---:|---:|",
    ...out,
  ].join("\n");
}

/**
 * Writes one file per scenario and latest.json. A partial run (`merge`: --only or --systems)
 * replaces its own rows in latest.json and keeps the others.
 */
export function writeResults(
  dir: string,
  info: RunInfo,
  rows: readonly { scenario: string; system?: string }[],
  merge = false,
): string[] {
  const written: string[] = [];
  for (const s of [...new Set(rows.map((r) => r.scenario))]) {
    const file = `${dir}/${info.date}-${s}.json`;
    writeFileSync(
      file,
      `${JSON.stringify({ scenario: s, ...info, rows: rows.filter((r) => r.scenario === s) }, null, 2)}\n`,
    );
    written.push(file);
  }
  const latest = `${dir}/latest.json`;
  const key = (r: { scenario: string; system?: string }) => `${r.scenario} ${r.system ?? ""}`;
  let all: readonly { scenario: string; system?: string }[] = rows;
  if (merge && existsSync(latest)) {
    const mine = new Set(rows.map(key));
    const old = JSON.parse(readFileSync(latest, "utf8")) as { scenario: string; system?: string }[];
    all = [...old.filter((r) => !mine.has(key(r))), ...rows];
  }
  writeFileSync(latest, `${JSON.stringify(all, null, 2)}\n`);
  written.push(latest);
  return written;
}

const START = "<!-- latest:start -->";
const END = "<!-- latest:end -->";

export function updateReadme(file: string, section: string): void {
  const text = readFileSync(file, "utf8");
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${file}: markers ${START} / ${END} not found`);
  writeFileSync(file, `${text.slice(0, a + START.length)}\n${section}\n${text.slice(b)}`);
}
