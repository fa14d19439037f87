// Load generators the harness drives, each pinned to the generator core and parsed into one
// Measurement: `mast load` (open loop, percentiles), wrk and h2load (closed loop, for checks at
// maximum rate), and a TCP stream reader for throughput.

import { fileURLToPath } from "node:url";
import type { LoadResult } from "../../src/loadgen/run.ts";
import { execFileAsync } from "./procs.ts";

export interface Measurement {
  readonly requests: number;
  readonly seconds: number;
  /** Requests (or MiB for streams) per second. */
  readonly rps: number;
  readonly p50_ms: number | null;
  readonly p90_ms: number | null;
  readonly p99_ms: number | null;
  readonly p999_ms: number | null;
  readonly errors: number;
  readonly unit: "req" | "MiB";
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAST = `${ROOT}bin/mast`;
const NODE = `${ROOT}node_modules/node/bin/node`;
const MAX_BUFFER = 64 * 1024 * 1024;

async function pinned(
  cpus: string,
  cmd: string,
  args: readonly string[],
  timeoutSec: number,
): Promise<string> {
  try {
    const { stdout } = await execFileAsync("taskset", ["-c", cpus, cmd, ...args], {
      maxBuffer: MAX_BUFFER,
      timeout: timeoutSec * 1000,
    });
    return stdout;
  } catch (err) {
    // `mast load` exits 1 when every request failed, and its report is still the measurement
    const e = err as { code?: unknown; stdout?: string; stderr?: string; message: string };
    if (e.code === 1 && e.stdout) return e.stdout;
    throw new Error(`${cmd}: ${(e.stderr || e.message).trim().split("\n")[0]}`);
  }
}

export async function mastLoad(
  cpus: string,
  url: string,
  args: readonly string[],
  durationSec: number,
): Promise<Measurement> {
  const out = await pinned(
    cpus,
    MAST,
    ["load", ...args, "-t", `${durationSec}s`, "-o", "json", url],
    durationSec + 60,
  );
  const r = JSON.parse(out) as LoadResult;
  const p = r.latency.percentilesMs;
  return {
    requests: r.completed,
    seconds: r.elapsedSec,
    rps: r.actualQps,
    p50_ms: p["50"] ?? null,
    p90_ms: p["90"] ?? null,
    p99_ms: p["99"] ?? null,
    p999_ms: p["99.9"] ?? null,
    // requests the schedule wanted but never sent count against the system too
    errors: r.errors + (r.qps > 0 ? r.intended - r.sent : 0),
    unit: "req",
  };
}

function toMs(value: string, unit: string): number {
  const v = Number(value);
  return unit === "us" ? v / 1000 : unit === "s" ? v * 1000 : v;
}

export async function wrk(
  cpus: string,
  url: string,
  connections: number,
  durationSec: number,
): Promise<Measurement> {
  const out = await pinned(
    cpus,
    "wrk",
    ["-t1", `-c${connections}`, `-d${durationSec}s`, "--latency", url],
    durationSec + 60,
  );
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, "m").exec(out);
    return m ? Math.round(toMs(m[1], m[2]) * 1000) / 1000 : null;
  };
  const done = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(out);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!done || !rps) throw new Error(`wrk: unexpected output: ${out.slice(0, 300)}`);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const errors =
    (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0) +
    (non2xx ? Number(non2xx[1]) : 0);
  return {
    requests: Number(done[1]),
    seconds: done[3] === "m" ? Number(done[2]) * 60 : toMs(done[2], done[3]) / 1000,
    rps: Number(rps[1]),
    p50_ms: pct("50"),
    p90_ms: pct("90"),
    p99_ms: pct("99"),
    p999_ms: null,
    errors,
    unit: "req",
  };
}

/** h2load prints no percentiles, only min/max/mean; the row keeps them empty. */
export async function h2load(
  cpus: string,
  url: string,
  connections: number,
  streams: number,
  durationSec: number,
): Promise<Measurement> {
  const out = await pinned(
    cpus,
    "h2load",
    [
      "-c",
      String(connections),
      "-m",
      String(streams),
      "-D",
      String(durationSec),
      "--warm-up-time=1",
      url,
    ],
    durationSec + 60,
  );
  const fin = /finished in ([\d.]+)(ms|s), ([\d.]+) req\/s/.exec(out);
  const reqs =
    /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(
      out,
    );
  if (!fin || !reqs) throw new Error(`h2load: unexpected output: ${out.slice(0, 300)}`);
  const status = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  const bad = status ? Number(status[3]) + Number(status[4]) : 0;
  return {
    requests: Number(reqs[4]),
    seconds: fin[2] === "ms" ? Number(fin[1]) / 1000 : Number(fin[1]),
    rps: Number(fin[3]),
    p50_ms: null,
    p90_ms: null,
    p99_ms: null,
    p999_ms: null,
    // a run where nothing succeeded counts every started request as failed
    errors: Number(reqs[4]) === 0 ? Number(reqs[2]) : Number(reqs[5]) + Number(reqs[6]) + bad,
    unit: "req",
  };
}

export async function tcpStream(
  cpus: string,
  port: number,
  connections: number,
  durationSec: number,
): Promise<Measurement> {
  const out = await pinned(
    cpus,
    NODE,
    [
      `${ROOT}bench/tools/tcp-stream-client.ts`,
      "127.0.0.1",
      String(port),
      String(connections),
      String(durationSec),
    ],
    durationSec + 30,
  );
  const r = JSON.parse(out) as { bytes: number; seconds: number; errors: number };
  const mib = r.bytes / (1024 * 1024);
  return {
    requests: mib,
    seconds: r.seconds,
    rps: Math.round((mib / r.seconds) * 10) / 10,
    p50_ms: null,
    p90_ms: null,
    p99_ms: null,
    p999_ms: null,
    errors: r.errors,
    unit: "MiB",
  };
}
