// `npm run bench [-- --quick] [--only a,b] [--systems x,y] [--duration S]`: the data-plane
// benchmark. Starts the backend on the generator core, then each system on the proxy core, runs
// the scenarios against it, and writes bench/results/ and the table in bench/README.md.

import { cpus, release } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startBackend } from "./lib/backends.ts";
import { CHURN, type ChurnRun, startChurnProxy } from "./lib/config-churn.ts";
import {
  benchConfigThroughput,
  benchMesh,
  type ConfigThroughputRow,
  type ControlPlaneRow,
  configThroughputTable,
  controlPlaneTable,
  meshScenario,
} from "./lib/control-plane.ts";
import { type Measurement, mastLoad } from "./lib/generators.ts";
import {
  cpuNs,
  hasTool,
  machineBusyNs,
  rssMb,
  selfAndChildrenNs,
  stop,
  stopAllSync,
  tree,
} from "./lib/procs.ts";
import {
  markdownTable,
  type Row,
  type RunInfo,
  ratiosTable,
  updateReadme,
  writeResults,
} from "./lib/results.ts";
import {
  ensureDir,
  mastUnavailable,
  pilotUnavailable,
  type RunningSystem,
  SYSTEMS,
} from "./lib/systems.ts";
import { SCENARIOS, type Scenario } from "./scenarios.ts";

const BENCH = fileURLToPath(new URL("./", import.meta.url));

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    systems: { type: "string" },
    duration: { type: "string" },
    "no-readme": { type: "boolean", default: false },
  },
});

const quick = args.quick ?? false;
const durationSec = Number(args.duration ?? (quick ? 3 : 20));
const warmupSec = quick ? 0.5 : 3;
/** Noisy rows are measured again, up to this many times in all; the quietest attempt is kept. */
const ATTEMPTS = quick ? 1 : 3;
const notes: string[] = [];
const t0 = Date.now();
const log = (msg: string) =>
  process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);

// Two cores: the generator and backend share core 0, every proxy process gets core 1.
const nCpu = cpus().length;
const pin = hasTool("taskset") && nCpu >= 2;
const genCpus = pin ? "0" : `0-${nCpu - 1}`;
const proxyCpus = pin ? String(nCpu - 1) : `0-${nCpu - 1}`;
if (!pin) notes.push("not pinned: taskset is missing or the machine has one core");

const only = args.only?.split(",");
const scenarios = SCENARIOS.filter((s) => !only || only.includes(s.name));
const wanted = (s: Scenario) => (quick ? s.quickSystems : s.systems);
const systemFilter = args.systems?.split(",");
// config-churn runs its own `mast proxy` (fed over ADS), outside the scenario x system matrix
const churnOn =
  (!only || only.includes(CHURN.name)) && (!systemFilter || systemFilter.includes("mast"));

const dir = ensureDir(`/tmp/mast-bench-${process.pid}`);
const rows: Row[] = [];
const noisy: string[] = [];
const date = new Date().toISOString().slice(0, 10);
const mode = quick ? "quick" : "full";

for (const s of scenarios) {
  if (s.tool && !hasTool(s.tool))
    notes.push(
      `${s.name}: skipped, ${s.tool} is not installed (apt-get install ${s.tool === "h2load" ? "nghttp2-client" : s.tool})`,
    );
}

// a control-plane-only run (--only xds-...) needs no backend
const dataPlane = scenarios.length > 0 || churnOn;
const backend = dataPlane
  ? await startBackend(dir, genCpus)
  : { ports: { http1: 0, h2: 0, grpc: 0, tcp: 0 }, http1b: 0, procs: [], http: "none" };
if (backend.http === "node:http")
  notes.push("backend: nginx is missing, node:http serves HTTP instead");
const backendPids = backend.procs.flatMap((p) => tree(p.pid));
if (dataPlane) {
  log(
    `backend up (${backend.http}, gRPC echo, TCP source) on cpu ${genCpus}; proxies on cpu ${proxyCpus}`,
  );
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    log(`${signal}: stopping what the harness started`);
    stopAllSync();
    process.exit(130);
  });
}

// Each system starts once per config size (the scenarios' `services`) and runs its rows.
const sizes = [...new Set(scenarios.map((s) => s.services ?? 0))];
const plan = sizes.flatMap((services) => SYSTEMS.map((sys) => ({ services, sys })));
const skipped = new Set<string>();

try {
  for (const { services, sys } of plan) {
    if (systemFilter && !systemFilter.includes(sys.name)) continue;
    const todo = scenarios.filter(
      (s) =>
        (s.services ?? 0) === services &&
        wanted(s).includes(sys.name) &&
        (!s.tool || hasTool(s.tool)),
    );
    if (todo.length === 0) continue;
    const reason = sys.unavailable();
    if (reason) {
      if (!skipped.has(sys.name)) notes.push(`${sys.name}: rows left out, ${reason}`);
      skipped.add(sys.name);
      log(`${sys.name}: skipped (${reason})`);
      continue;
    }
    let running: RunningSystem;
    try {
      running = await sys.start({ dir, backend: backend.ports, proxyCpus, services });
    } catch (err) {
      const msg = (err as Error).message;
      notes.push(
        `${sys.name}${services ? ` with ${services} services` : ""}: rows left out, it did not start: ${msg}`,
      );
      log(`${sys.name}: failed to start: ${msg}`);
      continue;
    }
    const pids = () => running.procs.flatMap((p) => tree(p.pid));
    const rssIdle = running.procs.length ? rssMb(pids()) : null;
    const warmed = new Set<string>();
    try {
      for (const s of todo) {
        if (!warmed.has(s.protocol) && s.protocol !== "tcp") {
          const flag =
            s.protocol === "h2"
              ? ["--h2", "-m", "4"]
              : s.protocol === "grpc"
                ? ["--grpc", "-m", "4"]
                : [];
          const port = running.listen[s.protocol];
          await mastLoad(
            genCpus,
            `http://127.0.0.1:${port}/`,
            [...flag, "-qps", "0", "-c", "4"],
            warmupSec,
          ).catch(() => undefined);
          warmed.add(s.protocol);
        }
        let row: Row | undefined;
        for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
          const got = await measureRow(
            s.name,
            sys.name,
            () => s.measure({ cpus: genCpus, ports: running.listen, durationSec }),
            pids,
            rssIdle,
          );
          if (got instanceof Error) {
            notes.push(`${s.name}/${sys.name}: failed: ${got.message.split("\n")[0]}`);
            log(`${s.name} ${sys.name}: failed: ${got.message.split("\n")[0]}`);
            break;
          }
          if (!row || got.other_cpu_s < row.other_cpu_s) row = { ...got, attempts: attempt };
          if (!isNoisy(row) || attempt === ATTEMPTS) break;
          log(
            `${s.name} ${sys.name}: other processes used ${got.other_cpu_s} s of CPU, measuring again`,
          );
        }
        if (row) keep(row);
      }
    } finally {
      for (const p of running.procs) await stop(p);
    }
  }
  if (churnOn) await benchChurn();
} finally {
  for (const p of backend.procs) await stop(p);
}

/** A row is noisy when other processes used more than a quarter of a core during it. */
function isNoisy(row: Row): boolean {
  return row.other_cpu_s > 0.25 * row.seconds;
}

function keep(row: Row): void {
  rows.push(row);
  if (isNoisy(row)) noisy.push(`${row.scenario}/${row.system} (${row.other_cpu_s} s)`);
  log(
    `${row.scenario} ${row.system}: ${row.rps} ${row.unit}/s, cpu ${row.cpu_ms_per_1k ?? "–"} ms/1k, p50 ${row.p50_ms ?? "–"} p99 ${row.p99_ms ?? "–"} ms, errors ${row.errors}`,
  );
}

/** Measures one row: `pids` are the proxy processes (none for direct). */
async function measureRow(
  scenario: string,
  system: string,
  measure: () => Promise<Measurement>,
  pids: () => number[],
  rssIdle: number | null,
): Promise<Row | Error> {
  const proxied = pids().length > 0;
  const p0 = cpuNs(pids());
  const b0 = cpuNs(backendPids);
  const m0 = machineBusyNs();
  const s0 = selfAndChildrenNs();
  let m: Measurement;
  try {
    m = await measure();
  } catch (err) {
    return err as Error;
  }
  const proxyNs = cpuNs(pids()) - p0;
  const backendNs = cpuNs(backendPids) - b0;
  const otherNs = machineBusyNs() - m0 - (selfAndChildrenNs() - s0) - proxyNs - backendNs;
  const per1k = (ns: number) =>
    m.requests > 0 ? Math.round((ns / 1e6 / m.requests) * 1000 * 100) / 100 : 0;
  return {
    scenario,
    system,
    rps: m.rps,
    cpu_ms_per_1k: proxied ? per1k(proxyNs) : null,
    p50_ms: m.p50_ms,
    p90_ms: m.p90_ms,
    p99_ms: m.p99_ms,
    p999_ms: m.p999_ms,
    rss_mb: proxied ? rssMb(pids()) : null,
    errors: m.errors,
    unit: m.unit,
    requests: Math.round(m.requests),
    seconds: m.seconds,
    backend_cpu_ms_per_1k: per1k(backendNs),
    other_cpu_s: Math.round(otherNs / 1e7) / 100,
    rss_idle_mb: rssIdle,
    date,
    mode,
  };
}

/**
 * The config-churn row: its own `mast proxy` fed by a scripted xDS server, warmed up like the
 * others, then measured once (the changes are the point) for 30 s (6 s quick, or --duration).
 */
async function benchChurn(): Promise<void> {
  const reason = mastUnavailable();
  if (reason) {
    notes.push(`${CHURN.name}: left out, ${reason}`);
    return;
  }
  const seconds = args.duration ? durationSec : quick ? 6 : 30;
  const churn = await startChurnProxy(
    dir,
    { a: backend.ports.http1, b: backend.http1b },
    proxyCpus,
  ).catch((err: Error) => err);
  if (churn instanceof Error) {
    notes.push(`${CHURN.name}: left out, its proxy did not start: ${churn.message}`);
    log(`${CHURN.name}: failed to start: ${churn.message}`);
    return;
  }
  try {
    const pids = () => tree(churn.proc.pid);
    const rssIdle = rssMb(pids());
    await mastLoad(genCpus, churn.url, ["-qps", "0", "-c", "4"], warmupSec).catch(() => undefined);
    let run: ChurnRun | undefined;
    const measure = async () => {
      run = await churn.run(genCpus, seconds);
      return run.measurement;
    };
    const row = await measureRow(CHURN.name, "mast", measure, pids, rssIdle);
    if (row instanceof Error || !run) {
      const msg = row instanceof Error ? row.message.split("\n")[0] : "no run";
      notes.push(`${CHURN.name}/mast: failed: ${msg}`);
      log(`${CHURN.name} mast: failed: ${msg}`);
      return;
    }
    const n = run.changes.length;
    const count = (kind: string) => run?.changes.filter((c) => c.kind === kind).length;
    notes.push(
      `${CHURN.name}: ${n} changes over ${seconds} s, one every ${run.spacingSec.toFixed(2)} s (${count("listener")} listener replacements, ${count("route")} route switches between clusters A and B, ${count("cluster")} cluster changes); ${run.acked} of ${n} ACKed, ${run.nacks} NACKs; ${run.viaA} requests went to A and ${run.viaB} to B`,
    );
    keep({ ...row, changes: n, changes_acked: run.acked });
  } finally {
    await churn.stop();
  }
}

if (noisy.length) {
  notes.push(
    `other processes on this shared machine used more than a quarter of a core during: ${noisy.join(", ")}; read those rows with care`,
  );
}
// Control plane: `mast pilot` with synthetic meshes and a pool of real ADS clients.
const MESHES: readonly [number, number][] = quick
  ? [[100, 50]]
  : [
      [100, 100],
      [1000, 100],
      [1000, 500],
      [1000, 1000],
      [5000, 100],
    ];
const cpRows: ControlPlaneRow[] = [];
const meshes = MESHES.flatMap(([sv, px]) =>
  (["sotw", "delta"] as const)
    .filter((p) => !only || only.includes(meshScenario(sv, px, p)))
    .map((p) => [sv, px, p] as const),
);
const cpOn = !systemFilter || systemFilter.includes("pilot");
if (meshes.length && cpOn) {
  const reason = pilotUnavailable();
  if (reason) notes.push(`control plane: left out, ${reason}`);
  for (const [services, proxies, protocol] of reason ? [] : meshes) {
    const row = await benchMesh(
      dir,
      services,
      proxies,
      protocol,
      { clients: genCpus, pilot: proxyCpus },
      { date, mode },
      notes,
    );
    if (row) {
      cpRows.push(row);
      log(
        `${row.scenario}: one-service push ${row.push_ms} ms, full push ${row.full_push_ms} ms, sync ${row.initial_sync_ms} ms, RSS ${row.rss_mb} MB`,
      );
    }
  }
  stopAllSync();
}
// Config throughput: validation and analysis of a generated mesh, in resources per second.
const ctRows: ConfigThroughputRow[] =
  cpOn && (!only || only.includes("validate") || only.includes("analyze"))
    ? benchConfigThroughput(proxyCpus, quick ? 500 : 2000, { date, mode }, notes)
    : [];

// Rows in scenario order (config-churn last), then system order, whatever order they ran in.
const scenarioIndex = (name: string) => {
  const i = SCENARIOS.findIndex((s) => s.name === name);
  return i < 0 ? SCENARIOS.length : i;
};
const order = (r: Row) =>
  scenarioIndex(r.scenario) * 100 + SYSTEMS.findIndex((s) => s.name === r.system);
rows.sort((a, b) => order(a) - order(b));

const info: RunInfo = {
  date,
  mode,
  machine: `${nCpu} vCPU, ${cpus()[0]?.model ?? "unknown cpu"}, Linux ${release()}, Node ${process.version}`,
  placement: `generator + backend on cpu ${genCpus}, proxies on cpu ${proxyCpus}; ${durationSec} s per row after a ${warmupSec} s warm-up per protocol`,
  notes,
};
const titles = new Map([
  ...SCENARIOS.map((s) => [s.name, s.title] as const),
  [CHURN.name, CHURN.title],
]);
const table = markdownTable(rows, titles);
const ratios = ratiosTable(rows);
const section = [
  `Run: ${date}, ${mode} (\`npm run bench${quick ? " -- --quick" : ""}\`), ${info.machine}.`,
  `Placement: ${info.placement}.`,
  "",
  ...(rows.length ? [table, ""] : []),
  ...(ratios
    ? [
        "Against the peers in the same run (CPU ratio to haproxy; latency added over direct):",
        "",
        ratios,
        "",
      ]
    : []),
  ...(cpRows.length
    ? [
        "Control plane (`mast pilot` pinned like a proxy; ADS clients in one process on the generator core; push times run from the file write to the last client's ACK and include the 100 ms debounce):",
        "",
        controlPlaneTable(cpRows),
        "",
      ]
    : []),
  ...(ctRows.length
    ? [
        "Config throughput (`bench/analyze.ts`, pinned like pilot):",
        "",
        configThroughputTable(ctRows),
        "",
      ]
    : []),
  "Notes:",
  ...notes.map((n) => `- ${n}`),
].join("\n");
process.stdout.write(`\n${section}\n`);
// the README shows whole runs; a partial run (--only, --systems) only merges into latest.json
const partial = Boolean(only || systemFilter);
const written = writeResults(
  ensureDir(`${BENCH}results`),
  info,
  [...rows, ...cpRows, ...ctRows],
  partial,
);
const readme = !args["no-readme"] && !partial && rows.length + cpRows.length + ctRows.length > 0;
if (readme) updateReadme(`${BENCH}README.md`, section);
log(
  `wrote ${written.length} files to bench/results/${readme ? " and the table to bench/README.md" : ""}`,
);
