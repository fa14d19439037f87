// The systems compared: no proxy, one proxy (Mast, haproxy, nginx) and two proxies in a row
// (client sidecar -> server sidecar). Every proxy process is pinned to the proxy core.

import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  haproxyCfg,
  haproxyServiceMap,
  mastBootstrap,
  nginxProxyConf,
  type Ports,
} from "./configs.ts";
import { freePort, hasTool, type Proc, startPinned, stop, waitPort } from "./procs.ts";

export interface BenchContext {
  readonly dir: string;
  readonly backend: Ports;
  /** taskset core list for proxies, such as "1". */
  readonly proxyCpus: string;
  /** Synthetic services of config to load besides the four benchmark listeners. */
  readonly services: number;
}

export interface RunningSystem {
  readonly listen: Ports;
  readonly procs: readonly Proc[];
}

export interface SystemDef {
  readonly name: string;
  /** Why the system cannot run here, or undefined when it can. */
  unavailable(): string | undefined;
  start(ctx: BenchContext): Promise<RunningSystem>;
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The mast command whose proxy is measured; MAST_BENCH_BIN measures another checkout's. */
export const MAST_BIN = process.env.MAST_BENCH_BIN ?? `${ROOT}bin/mast`;

export async function freePorts(): Promise<Ports> {
  return {
    http1: await freePort(),
    h2: await freePort(),
    grpc: await freePort(),
    tcp: await freePort(),
  };
}

async function ready(proc: Proc, ports: Ports): Promise<void> {
  try {
    for (const p of [ports.http1, ports.h2, ports.grpc, ports.tcp]) await waitPort(proc, p);
  } catch (err) {
    await stop(proc);
    throw err;
  }
}

type Hop = (
  ctx: BenchContext,
  name: string,
  upstream: Ports,
) => Promise<{ listen: Ports; proc: Proc }>;

const haproxyHop: Hop = async (ctx, name, upstream) => {
  const listen = await freePorts();
  const cfg = `${ctx.dir}/${name}.cfg`;
  const map = `${ctx.dir}/${name}-hosts.map`;
  writeFileSync(map, haproxyServiceMap(ctx.services));
  writeFileSync(cfg, haproxyCfg(listen, upstream, ctx.services, map));
  const proc = startPinned(
    name,
    ctx.proxyCpus,
    "haproxy",
    ["-db", "-f", cfg],
    `${ctx.dir}/${name}.log`,
  );
  await ready(proc, listen);
  return { listen, proc };
};

const nginxHop: Hop = async (ctx, name, upstream) => {
  const listen = await freePorts();
  const conf = `${ctx.dir}/${name}.conf`;
  writeFileSync(conf, nginxProxyConf(ctx.dir, name, listen, upstream, ctx.services));
  const proc = startPinned(
    name,
    ctx.proxyCpus,
    "nginx",
    ["-p", ctx.dir, "-c", conf, "-e", `${ctx.dir}/${name}.error.log`],
    `${ctx.dir}/${name}.log`,
  );
  await ready(proc, listen);
  return { listen, proc };
};

const mastHop: Hop = async (ctx, name, upstream) => {
  const listen = await freePorts();
  const file = `${ctx.dir}/${name}-bootstrap.yaml`;
  writeFileSync(file, mastBootstrap(listen, upstream, await freePort(), ctx.services));
  // no readiness listener: the two proxies of a pair would both want :15021
  const args = ["proxy", "--bootstrap", file, "--readiness-port", "-1"];
  const proc = startPinned(name, ctx.proxyCpus, MAST_BIN, args, `${ctx.dir}/${name}.log`);
  await ready(proc, listen);
  return { listen, proc };
};

function single(
  name: string,
  tool: string,
  hop: Hop,
  unavailable?: () => string | undefined,
): SystemDef {
  return {
    name,
    unavailable: unavailable ?? (() => (hasTool(tool) ? undefined : `${tool} is not installed`)),
    async start(ctx) {
      const { listen, proc } = await hop(ctx, name, ctx.backend);
      return { listen, procs: [proc] };
    },
  };
}

/** Client-side proxy -> server-side proxy -> backend, both on the proxy core. */
function pair(
  name: string,
  tool: string,
  hop: Hop,
  unavailable?: () => string | undefined,
): SystemDef {
  return {
    name,
    unavailable: unavailable ?? (() => (hasTool(tool) ? undefined : `${tool} is not installed`)),
    async start(ctx) {
      const server = await hop(ctx, `${name}-server`, ctx.backend);
      try {
        const client = await hop(ctx, `${name}-client`, server.listen);
        return { listen: client.listen, procs: [client.proc, server.proc] };
      } catch (err) {
        await stop(server.proc);
        throw err;
      }
    },
  };
}

let mastReason: string | undefined | null = null;

/** Mast rows need `mast proxy --bootstrap FILE` (the data-plane proxy) on this checkout. */
export function mastUnavailable(): string | undefined {
  if (mastReason !== null) return mastReason;
  const r = spawnSync(MAST_BIN, ["proxy", "--help"], {
    encoding: "utf8",
    timeout: 30_000,
  });
  mastReason =
    r.status === 0 && r.stdout.includes("--bootstrap")
      ? undefined
      : "`mast proxy --bootstrap FILE` is not on this checkout yet (the data-plane proxy has not landed)";
  return mastReason;
}

export const SYSTEMS: readonly SystemDef[] = [
  {
    name: "direct",
    unavailable: () => undefined,
    start: async (ctx) => ({ listen: ctx.backend, procs: [] }),
  },
  single("mast", "", mastHop, mastUnavailable),
  single("haproxy", "haproxy", haproxyHop),
  single("nginx", "nginx", nginxHop),
  pair("mast-pair", "", mastHop, mastUnavailable),
  pair("haproxy-pair", "haproxy", haproxyHop),
];

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Control-plane rows need `mast pilot --config-dir DIR`. */
export function pilotUnavailable(): string | undefined {
  const r = spawnSync(MAST_BIN, ["pilot", "--help"], { encoding: "utf8", timeout: 30_000 });
  return r.status === 0 && r.stdout.includes("--config-dir")
    ? undefined
    : "`mast pilot --config-dir DIR` is not on this checkout yet";
}
