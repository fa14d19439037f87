// Control-plane benchmark: `mast pilot` serving a synthetic mesh (N services with 10 endpoints
// each, one file per service, see synthetic-mesh.ts) to P real ADS clients (State of the World or
// Delta) in a separate process, each the sidecar of one of the services' pods. Measures the initial sync, a one-service change (an endpoint added: EDS) and a full
// push (a service added: CDS and LDS), each from the file write to the last client's ACK, the
// xDS bytes each client received, and pilot's RSS and CPU. Also validate and analyze throughput
// (`bench/analyze.ts` over a generated mesh), as resources per second.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { cpuNs, freePort, rssMb, startPinned, stop, tree, waitPort } from "./procs.ts";
import { podsPerService, serviceYaml } from "./synthetic-mesh.ts";
import { MAST_BIN } from "./systems.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NODE = `${ROOT}node_modules/node/bin/node`;
const now = () => Number(process.hrtime.bigint());

export type XdsProtocol = "sotw" | "delta";

export interface ControlPlaneRow {
  readonly scenario: string;
  readonly services: number;
  readonly proxies: number;
  readonly protocol: XdsProtocol;
  /** One-service change (endpoint added) to the last proxy's ACK. */
  readonly push_ms: number | null;
  /** Service added (CDS + every proxy) to the last proxy's ACK. */
  readonly full_push_ms: number | null;
  readonly rss_mb: number;
  /** From the first connection to every proxy holding CDS, EDS and LDS. */
  readonly initial_sync_ms: number | null;
  /** pilot CPU for the initial sync and both pushes. */
  readonly cpu_ms: number;
  /** xDS response bytes per client: the initial sync, and the one-service change. */
  readonly sync_bytes_per_proxy: number | null;
  readonly push_bytes_per_proxy: number | null;
  readonly date: string;
  readonly mode: "quick" | "full";
}

class ClientPool {
  readonly child: ChildProcess;
  private readonly lines: Record<string, number>[] = [];
  private waiter: (() => void) | undefined;

  constructor(cpus: string, port: number, count: number, protocol: XdsProtocol, services: number) {
    this.child = spawn(
      "taskset",
      [
        "-c",
        cpus,
        NODE,
        `${ROOT}bench/tools/ads-clients.ts`,
        String(port),
        String(count),
        protocol,
        String(services),
      ],
      {
        stdio: ["pipe", "pipe", "inherit"],
      },
    );
    createInterface({ input: this.child.stdout! }).on("line", (line) => {
      this.lines.push(JSON.parse(line) as Record<string, number>);
      this.waiter?.();
    });
  }

  async next(key: string, timeoutMs: number): Promise<Record<string, number> | undefined> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const i = this.lines.findIndex((l) => key in l);
      if (i >= 0) return this.lines.splice(i, 1)[0];
      const left = end - Date.now();
      if (left <= 0 || this.child.exitCode !== null) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  send(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.pid) process.kill(this.child.pid, "SIGTERM");
  }
}

/** `xds-1000svc-100proxies` (SotW) or `xds-1000svc-100proxies-delta`. */
export function meshScenario(services: number, proxies: number, protocol: XdsProtocol): string {
  return `xds-${services}svc-${proxies}proxies${protocol === "delta" ? "-delta" : ""}`;
}

/** Runs one mesh size; problems go to `notes`. */
export async function benchMesh(
  dir: string,
  services: number,
  proxies: number,
  protocol: XdsProtocol,
  cpus: { clients: string; pilot: string },
  meta: { date: string; mode: "quick" | "full" },
  notes: string[],
): Promise<ControlPlaneRow | undefined> {
  const scenario = meshScenario(services, proxies, protocol);
  // A fresh directory per run: an earlier run's changes must not pre-empt this one's.
  const configDir = `${dir}/${scenario}`;
  rmSync(configDir, { recursive: true, force: true });
  mkdirSync(configDir, { recursive: true });
  const pods = podsPerService(proxies, services);
  for (let i = 0; i < services; i++)
    writeFileSync(`${configDir}/svc-${i}.yaml`, serviceYaml(i, pods));
  const xdsPort = await freePort();
  const args = [
    "pilot",
    "--config-dir",
    configDir,
    "--xds-address",
    `127.0.0.1:${xdsPort}`,
    "--monitoring-address",
    `127.0.0.1:${await freePort()}`,
  ];
  const pilot = startPinned(
    `pilot-${services}`,
    cpus.pilot,
    MAST_BIN,
    args,
    `${dir}/pilot-${services}.log`,
  );
  let pool: ClientPool | undefined;
  try {
    await waitPort(pilot, xdsPort, 120_000);
    const c0 = cpuNs(tree(pilot.pid));
    pool = new ClientPool(cpus.clients, xdsPort, proxies, protocol, services);
    const synced = await pool.next("synced", 180_000);
    if (!synced) {
      notes.push(`${scenario}: the ${proxies} clients did not all sync within 180 s`);
      return undefined;
    }
    let pushBytes: number | null = null;
    const change = async (types: string, write: () => void): Promise<number | null> => {
      pool?.send(`mark ${types}`);
      if (!(await pool?.next("marked", 10_000))) return null;
      write();
      const t = now();
      const done = await pool?.next("updated", 60_000);
      pushBytes = done ? done.bytes : null;
      return done ? Math.round((done.updated - t) / 1e4) / 100 : null;
    };
    const push = await change("ClusterLoadAssignment", () =>
      writeFileSync(`${configDir}/svc-0.yaml`, serviceYaml(0, pods, true)),
    );
    const push_bytes_per_proxy = pushBytes;
    if (push === null)
      notes.push(`${scenario}: not every client received the one-service change within 60 s`);
    const full = await change("Cluster", () =>
      writeFileSync(`${configDir}/svc-${services}.yaml`, serviceYaml(services, 0)),
    );
    if (full === null)
      notes.push(`${scenario}: not every client received the full push within 60 s`);
    return {
      scenario,
      services,
      proxies,
      protocol,
      push_ms: push,
      full_push_ms: full,
      rss_mb: rssMb(tree(pilot.pid)),
      initial_sync_ms: Math.round((synced.synced - synced.started) / 1e4) / 100,
      cpu_ms: Math.round((cpuNs(tree(pilot.pid)) - c0) / 1e6),
      sync_bytes_per_proxy: synced.bytes ?? null,
      push_bytes_per_proxy,
      ...meta,
    };
  } catch (err) {
    notes.push(`${scenario}: failed: ${(err as Error).message}`);
    return undefined;
  } finally {
    pool?.stop();
    await stop(pilot);
  }
}

export function controlPlaneTable(rows: readonly ControlPlaneRow[]): string {
  const f = (v: number | null) => (v === null ? "–" : String(v));
  const kb = (v: number | null) => (v === null ? "–" : String(Math.round(v / 102.4) / 10));
  return [
    "| scenario | xDS | services | proxies | one-service push ms | full push ms | initial sync ms | KiB per proxy (sync / one-service push) | pilot CPU ms | pilot RSS MB |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.protocol} | ${r.services} | ${r.proxies} | ${f(r.push_ms)} | ${f(r.full_push_ms)} | ${f(r.initial_sync_ms)} | ${kb(r.sync_bytes_per_proxy)} / ${kb(r.push_bytes_per_proxy)} | ${r.cpu_ms} | ${r.rss_mb} |`,
    ),
  ].join("\n");
}

export interface ConfigThroughputRow {
  readonly scenario: "validate" | "analyze";
  readonly resources: number;
  /** Resources per second: validation of every parsed object; warm analysis (median). */
  readonly resources_per_s: number;
  readonly ms: number;
  readonly date: string;
  readonly mode: "quick" | "full";
}

/** `bench/analyze.ts` in a child process (pinned like pilot): validate and analyze throughput. */
export function benchConfigThroughput(
  cpus: string,
  resources: number,
  meta: { date: string; mode: "quick" | "full" },
  notes: string[],
): ConfigThroughputRow[] {
  const r = spawnSync(
    "taskset",
    ["-c", cpus, NODE, `${ROOT}bench/analyze.ts`, String(resources), "--json"],
    {
      encoding: "utf8",
    },
  );
  if (r.status !== 0) {
    notes.push(`validate/analyze throughput: failed: ${r.stderr.trim().split("\n").pop()}`);
    return [];
  }
  const out = JSON.parse(r.stdout) as {
    resources: number;
    validateMs: number;
    analyzeMedianMs: number;
  };
  const row = (scenario: "validate" | "analyze", ms: number): ConfigThroughputRow => ({
    scenario,
    resources: out.resources,
    resources_per_s: Math.round((out.resources * 1000) / Math.max(ms, 1)),
    ms,
    ...meta,
  });
  return [row("validate", out.validateMs), row("analyze", out.analyzeMedianMs)];
}

export function configThroughputTable(rows: readonly ConfigThroughputRow[]): string {
  return [
    "| benchmark | resources | ms | resources / s |",
    "|---|---:|---:|---:|",
    ...rows.map((r) => `| ${r.scenario} | ${r.resources} | ${r.ms} | ${r.resources_per_s} |`),
  ].join("\n");
}
