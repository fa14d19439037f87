// `mast up`, `mast down`, `mast logs`: the local mesh with Istio's Bookinfo by default. `up` runs
// in the foreground until Ctrl-C; `down` stops a mesh another terminal started (by pid files).

import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { type CaptureRequest, chooseCapture, removeMeshNetwork } from "../runtime/capture.ts";
import { mastHome } from "../runtime/home.ts";
import { up } from "../runtime/mesh.ts";
import { readState } from "../runtime/state.ts";
import { UsageError } from "./usage.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The Istio corpus: $MAST_SHARED, else a `shared/` beside the repository or above it. */
function istioCorpus(): string {
  const candidates = process.env.MAST_SHARED
    ? [process.env.MAST_SHARED]
    : [join(ROOT, "../shared"), join(ROOT, "../../shared")];
  for (const c of candidates) {
    const dir = join(c, "istio-corpus");
    if (existsSync(dir)) return dir;
  }
  throw new UsageError(
    "up: Istio's samples not found (set MAST_SHARED to the directory holding istio-corpus, or pass -f)",
  );
}

interface UpFlags {
  readonly filename?: string[];
  readonly apply?: string[];
  readonly capture: string;
}

const CAPTURE_MODES = ["explicit", "transparent", "auto"];

const collect = (v: string, all: string[] = []) => [...all, v];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPids(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir)) {
    if (!f.endsWith(".pid")) continue;
    const pid = Number(readFileSync(join(dir, f), "utf8").trim());
    if (Number.isInteger(pid) && pid > 0) out.set(f.slice(0, -4), pid);
  }
  return out;
}

async function waitGone(pids: number[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!pids.some(alive)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !pids.some(alive);
}

/** A pid file may outlive its process and the pid be reused: only stop Mast's own processes. */
function ours(pid: number): boolean {
  if (!alive(pid)) return false;
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmd.includes("/src/cli/main.ts") || cmd.includes("/samples/");
  } catch {
    return process.platform !== "linux";
  }
}

/** Stops what pid files name (a `mast up` that was killed leaves its children running). */
async function stopByPidFiles(run: string): Promise<number> {
  const rest = [...readPids(run).entries()].filter(([, pid]) => ours(pid));
  for (const [, pid] of rest) process.kill(pid, "SIGTERM");
  if (
    !(await waitGone(
      rest.map(([, p]) => p),
      5_000,
    ))
  )
    for (const [, pid] of rest) if (alive(pid)) process.kill(pid, "SIGKILL");
  for (const name of readPids(run).keys()) rmSync(join(run, `${name}.pid`), { force: true });
  return rest.length;
}

export function registerUp(program: Command): void {
  program
    .command("up")
    .description(
      "run the mesh on this machine: control plane, sidecars, ingress gateway and the workloads (Istio's Bookinfo by default)",
    )
    .option(
      "-f, --filename <file>",
      "Kubernetes manifests with the workloads (repeatable)",
      collect,
    )
    .option("--apply <file>", "Istio config to apply on start (repeatable)", collect)
    .option(
      "--capture <mode>",
      "how app traffic reaches the sidecars: explicit (HTTP_PROXY, no privileges), transparent (network namespaces + iptables, root), auto",
      "explicit",
    )
    .action(async (flags: UpFlags) => {
      const started = Date.now();
      const home = mastHome();
      if (!CAPTURE_MODES.includes(flags.capture))
        throw new UsageError(
          `up: --capture must be one of ${CAPTURE_MODES.join(", ")}, got ${flags.capture}`,
        );
      let capture: ReturnType<typeof chooseCapture>;
      try {
        capture = chooseCapture(flags.capture as CaptureRequest);
      } catch (e) {
        throw new UsageError(`up: ${(e as Error).message}`);
      }
      let manifests = flags.filename;
      let apply = flags.apply ?? [];
      if (!manifests?.length) {
        const bookinfo = join(istioCorpus(), "samples/bookinfo");
        manifests = [join(bookinfo, "platform/kube/bookinfo.yaml")];
        if (!flags.apply) apply = [join(bookinfo, "networking/bookinfo-gateway.yaml")];
      }
      const upPid = join(home.run, "mast-up.pid");
      const other = readPids(home.run).get("mast-up");
      if (other && other !== process.pid && alive(other))
        throw new UsageError(`up: a mesh is already running from ${home.root} (pid ${other})`);
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const stale = await stopByPidFiles(home.run);
      if (stale) log(`mast up: stopped ${stale} processes a killed \`mast up\` left running`);
      log(`mast up: starting the mesh in ${home.root}`);
      log(`mast up: capture ${capture.mode} (${capture.reason})`);
      const mesh = await up({ home, manifests, apply, log, capture: capture.mode });
      writeFileSync(upPid, `${process.pid}\n`);
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(
        `\nThe mesh is up (${secs} s).\n` +
          `  Product page:   ${mesh.productPage}\n` +
          `  Control plane:  ${mesh.controlPlane} (xDS), http://${mesh.monitoring}/debug/syncz\n` +
          `  Config:         mast apply -f <file>   (MAST_HOME=${home.root})\n` +
          `  Logs:           mast logs <workload>   (${mesh.supervisor.names().join(", ")})\n` +
          "Press Ctrl-C to stop.\n",
      );
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      log("mast up: stopping");
      await mesh.stop();
      rmSync(upPid, { force: true });
    });

  program
    .command("down")
    .description("stop the mesh `mast up` started (this MAST_HOME)")
    .action(async () => {
      const home = mastHome();
      const pids = readPids(home.run);
      const upPid = pids.get("mast-up");
      if (upPid && alive(upPid)) {
        process.kill(upPid, "SIGTERM");
        if (await waitGone([upPid], 10_000)) {
          process.stdout.write("mesh stopped\n");
          return;
        }
      }
      // No `mast up` left (killed): stop what its pid files name, remove its pod network.
      const stopped = await stopByPidFiles(home.run);
      const state = readState(home);
      if (state) removeMeshNetwork(state.block);
      process.stdout.write(stopped || upPid ? "mesh stopped\n" : "no mesh running\n");
    });

  program
    .command("logs")
    .description("print a workload's log (`<workload>-proxy` for its sidecar, `pilot`)")
    .argument("<workload>", "workload name, such as reviews-v2")
    .action((workload: string) => {
      const home = mastHome();
      const file = join(home.logs, `${workload}.log`);
      if (!existsSync(file)) {
        const known = existsSync(home.logs)
          ? readdirSync(home.logs)
              .filter((f) => f.endsWith(".log"))
              .map((f) => f.slice(0, -4))
          : [];
        throw new UsageError(
          `logs: no workload "${workload}" in ${dirname(file)}${known.length ? ` (known: ${known.join(", ")})` : ""}`,
        );
      }
      process.stdout.write(readFileSync(file));
    });
}
