// `mast proxy-status` and `mast proxy-config`: the running local mesh inspected as istioctl
// does, from the control plane's sync status and each proxy's admin interface.

import type { Command } from "commander";
import { mastHome } from "../runtime/home.ts";
import { MONITORING_PORT } from "../runtime/mesh.ts";
import { pilotIP, readState } from "../runtime/state.ts";
import { findProxy, getJson } from "./local-proxy.ts";
import {
  type ConfigDump,
  clustersTable,
  endpointsTable,
  listenersTable,
  routesTable,
  section,
} from "./proxy-config-tables.ts";
import { proxyStatusTable, type SyncStatus } from "./proxy-status-table.ts";
import { secretsTable } from "./secret-table.ts";
import { UsageError } from "./usage.ts";

const KINDS = [
  "listeners",
  "routes",
  "clusters",
  "endpoints",
  "secret",
  "bootstrap",
  "all",
] as const;

export function registerMeshOps(program: Command): void {
  program
    .command("proxy-status")
    .description("sync status of every proxy connected to the control plane (istioctl's columns)")
    .action(async () => {
      const state = readState(mastHome());
      if (!state) throw new UsageError("proxy-status: no mesh in this MAST_HOME (run `mast up`)");
      const host = pilotIP(state.block);
      const syncz = (await getJson(
        `http://${host}:${MONITORING_PORT}/debug/syncz`,
        "the control plane",
      )) as SyncStatus[];
      process.stdout.write(proxyStatusTable(syncz, `pilot.${host}`));
    });

  program
    .command("proxy-config")
    .description("a proxy's listeners, routes, clusters, endpoints or secrets (istioctl's tables)")
    .argument("<kind>", KINDS.join("|"))
    .argument("<workload>", "workload (such as reviews-v1), pod name, or pod.namespace")
    .option("-o, --output <format>", "short (table) or json", "short")
    .action(async (kind: string, workload: string, flags: { output: string }) => {
      if (!(KINDS as readonly string[]).includes(kind))
        throw new UsageError(
          `proxy-config: kind must be one of ${KINDS.join(", ")}, got "${kind}"`,
        );
      if (flags.output !== "short" && flags.output !== "json")
        throw new UsageError(`proxy-config: --output must be short or json, got "${flags.output}"`);
      const p = findProxy("proxy-config", workload);
      const what = `the proxy of ${p.name}`;
      const dump = (await getJson(`http://${p.admin}/config_dump`, what)) as ConfigDump;
      const needClusters = kind === "endpoints" || kind === "all";
      const clusters = needClusters
        ? await getJson(`http://${p.admin}/clusters?format=json`, what)
        : undefined;
      if (kind === "bootstrap") {
        // As istioctl: the bootstrap is shown as JSON whatever the output format.
        const b = dump.configs.find((c) => String(c["@type"]).endsWith(".BootstrapConfigDump"));
        process.stdout.write(`${JSON.stringify(b ?? {}, null, 2)}\n`);
        return;
      }
      if (flags.output === "json") {
        const out =
          kind === "endpoints"
            ? clusters
            : kind === "secret"
              ? section(dump, "SecretsConfigDump")
              : dump;
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      const parts: string[] = [];
      if (kind === "clusters" || kind === "all") parts.push(clustersTable(dump));
      if (kind === "listeners" || kind === "all") parts.push(listenersTable(dump));
      if (kind === "routes" || kind === "all") parts.push(routesTable(dump));
      if (kind === "endpoints" || kind === "all") parts.push(endpointsTable(clusters));
      if (kind === "secret" || kind === "all") parts.push(secretsTable(dump));
      process.stdout.write(parts.join("\n"));
    });
}
