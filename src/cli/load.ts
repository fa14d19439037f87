// `mast load URL`: a fortio-like load generator (fixed or maximum rate, HTTP/1.1, HTTP/2, gRPC).
// Accepts fortio's single-dash spellings (-qps, -c, -n, -t, -H, -o, -p) as well as long flags.

import { Command, Option } from "commander";
import { LoadOptionError, parseLoadOptions, type RawLoadFlags } from "../loadgen/options.ts";
import { formatLoadResult } from "../loadgen/report.ts";
import { runLoad } from "../loadgen/run.ts";
import { UsageError } from "./usage.ts";

interface LoadFlags extends RawLoadFlags {
  readonly output: "text" | "json";
}

/** fortio's flag names, mapped to ours; commander would read `-qps` as `-q ps`. */
const FORTIO_FLAGS: Readonly<Record<string, string>> = {
  "-qps": "--qps",
  "-grpc": "--grpc",
  "-h2": "--h2",
  "-payload-size": "--payload-size",
  "-timeout": "--timeout",
  "-keepalive=false": "--no-keepalive",
};

class LoadCommand extends Command {
  override parseOptions(argv: string[]): ReturnType<Command["parseOptions"]> {
    return super.parseOptions(argv.map((a) => FORTIO_FLAGS[a] ?? a));
  }
}

export function registerLoad(program: Command): void {
  const cmd = new LoadCommand("load")
    .description("generate HTTP/1.1, HTTP/2 or gRPC load at a fixed rate and report latency")
    .argument(
      "<url>",
      "target, such as http://127.0.0.1:8080/ (gRPC: http://host:port/pkg.Svc/Method)",
    )
    .option(
      "-q, --qps <n>",
      "requests per second over all connections; 0 = as fast as possible",
      "8",
    )
    .option("-c, --connections <n>", "connections", "4")
    .option("-m, --streams <n>", "concurrent streams per HTTP/2 connection", "1")
    .option("-t, --duration <d>", "how long to run (5s, 500ms, 1m)", "5s")
    .option("-n, --requests <n>", "exact number of requests (overrides -t)")
    .option("--h2", "HTTP/2 over cleartext (prior knowledge)")
    .option("--grpc", "gRPC unary over HTTP/2; the message is `bytes payload = 1`")
    .option("--no-keepalive", "HTTP/1.1: a new connection per request")
    .option("--no-warmup", "do not send one uncounted request per connection before the run")
    .option("-H, --header <header>", "request header 'Name: value' (repeatable)", collect, [])
    .option("--payload-size <bytes>", "request body size (gRPC: message payload size)", "0")
    .option("--timeout <d>", "per-request timeout", "10s")
    .option("-p, --percentiles <list>", "percentiles to report", "50,90,99,99.9")
    .addOption(
      new Option("-o, --output <format>", "output format")
        .choices(["text", "json"])
        .default("text"),
    )
    .action(async (target: string, flags: LoadFlags) => {
      let opts: ReturnType<typeof parseLoadOptions>;
      try {
        opts = parseLoadOptions(target, flags);
      } catch (err) {
        if (err instanceof LoadOptionError) throw new UsageError(`load: ${err.message}`);
        throw err;
      }
      const result = await runLoad(opts);
      process.stdout.write(
        flags.output === "json" ? `${JSON.stringify(result, null, 2)}\n` : formatLoadResult(result),
      );
      if (result.completed === 0 || result.errors === result.completed) process.exitCode = 1;
    });
  program.addCommand(cmd);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
