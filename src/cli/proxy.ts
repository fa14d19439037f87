// `mast proxy --bootstrap FILE`: runs the data-plane proxy from an Envoy v3 bootstrap (static
// resources and/or ADS), with Envoy's admin interface and Istio's readiness port.

import { type Command, Option } from "commander";
import { readBootstrap } from "../proxy/bootstrap.ts";
import { runProxy } from "../proxy/run.ts";
import { UsageError } from "./usage.ts";

interface ProxyFlags {
  readonly bootstrap?: string;
  readonly adminPort?: string;
  readonly readinessPort?: string;
  readonly drainTimeS?: string;
  readonly xdsAddress?: string;
  readonly bindAddress?: string;
}

function port(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < -1 || n > 65535)
    throw new UsageError(`proxy: ${flag} must be a port number, got ${v}`);
  return n;
}

export function registerProxy(program: Command): void {
  program
    .command("proxy")
    .description("run the data-plane proxy (Envoy v3 bootstrap, xDS over ADS)")
    .option("-c, --bootstrap <file>", "Envoy v3 bootstrap, YAML or JSON")
    .option("--admin-port <port>", "admin port (default: bootstrap admin address, else 15000)")
    .option(
      "--readiness-port <port>",
      "readiness port for /healthz/ready (default 15021, -1 disables)",
    )
    .option("--drain-time-s <seconds>", "how long replaced listeners drain", "45")
    .option(
      "--bind-address <ip>",
      "address the admin and readiness servers bind (a pod IP when several proxies share a host)",
    )
    .addOption(
      new Option("--xds-address <host:port>", "ADS server, overriding the bootstrap's ADS cluster"),
    )
    .action(async (flags: ProxyFlags) => {
      if (!flags.bootstrap) throw new UsageError("proxy: --bootstrap <file> is required");
      let running: Awaited<ReturnType<typeof runProxy>>;
      try {
        running = await runProxy({
          bootstrap: readBootstrap(flags.bootstrap),
          adminPort: port(flags.adminPort, "--admin-port"),
          readinessPort: port(flags.readinessPort, "--readiness-port"),
          drainTimeMs: Number(flags.drainTimeS ?? 45) * 1000,
          xdsAddress: flags.xdsAddress,
          adminHost: flags.bindAddress,
          onQuit: () => process.exit(0),
        });
      } catch (e) {
        if (e instanceof UsageError) throw e;
        process.stderr.write(`Error: ${(e as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`mast proxy: admin on port ${running.adminPort}\n`);
      const shutdown = () => void running.stop().then(() => process.exit(0));
      process.once("SIGTERM", shutdown);
      process.once("SIGINT", shutdown);
      await new Promise<never>(() => undefined);
    });
}
