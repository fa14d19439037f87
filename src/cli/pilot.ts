// `mast pilot`: the control plane (istiod's discovery service) standalone, serving xDS over ADS
// from a watched config directory until SIGINT/SIGTERM.

import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { formatDiagnostic } from "../api/diagnostic.ts";
import { type MeshConfig, MeshConfigError, parseMeshConfig } from "../api/mesh-config.ts";
import { Pilot } from "../xds/pilot.ts";
import { UsageError } from "./usage.ts";

interface PilotFlags {
  readonly configDir: string[];
  readonly xdsAddress: string;
  readonly port?: string;
  readonly monitoringAddress: string;
  readonly debounceAfter: string;
  readonly debounceMax: string;
  readonly pushConcurrency: string;
  readonly verbose?: boolean;
  readonly meshConfig?: string;
}

/** The --mesh-config file (Istio's `mesh` ConfigMap key) over Istio's defaults. */
function readMeshConfig(file: string | undefined): MeshConfig | undefined {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`pilot: --mesh-config ${file}: ${(e as Error).message}`);
  }
  try {
    return parseMeshConfig(text, (path, msg) =>
      process.stderr.write(`pilot: --mesh-config ${file}: warning: ${path}: ${msg}\n`),
    );
  } catch (e) {
    if (e instanceof MeshConfigError)
      throw new UsageError(`pilot: --mesh-config ${file}: ${e.message}`);
    throw e;
  }
}

export function registerPilot(program: Command): void {
  program
    .command("pilot")
    .description(
      "run the control plane: serve Envoy xDS (ADS, SotW and delta) from a config directory",
    )
    .option(
      "--config-dir <dir>",
      "directory of Istio and Kubernetes YAML to serve, watched (repeatable)",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option("--xds-address <host:port>", "xDS (ADS) listen address", "0.0.0.0:15010")
    .option("--port <port>", "xDS port (shorthand for --xds-address 0.0.0.0:<port>)")
    .option("--monitoring-address <host:port>", "monitoring listen address", ":15014")
    .option("--debounce-after <ms>", "quiet time before a push", "100")
    .option("--debounce-max <ms>", "longest a change waits for a push", "10000")
    .option("--push-concurrency <n>", "pushes in progress at once", "100")
    .option("--mesh-config <file>", "MeshConfig YAML over Istio's defaults (extensionProviders…)")
    .option("-v, --verbose", "log pushes and NACKs")
    .action(async (flags: PilotFlags) => {
      const num = (name: string, v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0)
          throw new UsageError(`pilot: ${name} must be a non-negative integer, got ${v}`);
        return n;
      };
      const xdsAddress =
        flags.port !== undefined ? `0.0.0.0:${num("--port", flags.port)}` : flags.xdsAddress;
      const log = flags.verbose
        ? (msg: string, fields?: Record<string, unknown>) =>
            process.stderr.write(`${JSON.stringify({ scope: "xds", msg, ...fields })}\n`)
        : undefined;
      const mesh = readMeshConfig(flags.meshConfig);
      const pilot = new Pilot({
        configDir: flags.configDir,
        mesh,
        xdsAddress,
        monitoringAddress: flags.monitoringAddress,
        debounce: {
          quietMs: num("--debounce-after", flags.debounceAfter),
          maxMs: num("--debounce-max", flags.debounceMax),
        },
        pushConcurrency: Math.max(1, num("--push-concurrency", flags.pushConcurrency)),
        log,
        onProblems: (problems) => {
          for (const p of problems) process.stderr.write(`${formatDiagnostic(p)}\n`);
        },
      });
      const { xdsPort, monitoringPort } = await pilot.start();
      const host = xdsAddress.slice(0, xdsAddress.lastIndexOf(":"));
      process.stdout.write(
        `mast pilot: xDS on ${host}:${xdsPort}, monitoring on :${monitoringPort}\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      await pilot.stop();
    });
}
