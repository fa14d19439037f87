// `mast proxy-status` and `mast proxy-config`: the running local mesh inspected as istioctl
// does, from the control plane's sync status and each proxy's admin interface.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { mastHome } from "../runtime/home.ts";
import { MONITORING_PORT } from "../runtime/mesh.ts";
import { pilotIP, readState } from "../runtime/state.ts";
import {
  type ConfigDump,
  clustersTable,
  endpointsTable,
  listenersTable,
  routesTable,
} from "./proxy-config-tables.ts";
import { proxyStatusTable, type SyncStatus } from "./proxy-status-table.ts";
import { UsageError } from "./usage.ts";

async function getJson(url: string, what: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  } catch (e) {
    throw new UsageError(
      `${what} is not reachable at ${url} (is \`mast up\` running?): ${(e as Error).message}`,
    );
  }
  if (res.status !== 200) throw new UsageError(`${what}: ${url} answered ${res.status}`);
  return res.json();
}

interface ProxyRef {
  readonly name: string;
  readonly pod: string;
  readonly admin: string;
}

/** Proxies of the local mesh, from the bootstraps `mast up` wrote. */
function localProxies(): ProxyRef[] {
  const run = mastHome().run;
  if (!existsSync(run)) return [];
  return readdirSync(run)
    .filter((f) => f.endsWith(".bootstrap.json"))
    .map((f) => {
      const b = JSON.parse(readFileSync(join(run, f), "utf8")) as {
        node: { id: string };
        admin: { address: { socket_address: { address: string; port_value: number } } };
      };
      const sa = b.admin.address.socket_address;
      return {
        name: f.slice(0, -".bootstrap.json".length).replace(/-proxy$/, ""),
        pod: b.node.id.split("~")[2] ?? "",
        admin: `${sa.address}:${sa.port_value}`,
      };
    });
}

function findProxy(workload: string): ProxyRef {
  const all = localProxies();
  const p = all.find(
    (x) => x.name === workload || x.pod === workload || x.pod.split(".")[0] === workload,
  );
  if (!p)
    throw new UsageError(
      `proxy-config: no proxy for "${workload}" in this mesh (known: ${all.map((x) => x.name).join(", ") || "none"})`,
    );
  return p;
}

const KINDS = ["listeners", "routes", "clusters", "endpoints", "bootstrap", "all"] as const;

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
    .description("a proxy's listeners, routes, clusters or endpoints (istioctl's tables)")
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
      const p = findProxy(workload);
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
        const out = kind === "endpoints" ? clusters : dump;
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      const parts: string[] = [];
      if (kind === "clusters" || kind === "all") parts.push(clustersTable(dump));
      if (kind === "listeners" || kind === "all") parts.push(listenersTable(dump));
      if (kind === "routes" || kind === "all") parts.push(routesTable(dump));
      if (kind === "endpoints" || kind === "all") parts.push(endpointsTable(clusters));
      process.stdout.write(parts.join("\n"));
    });
}
