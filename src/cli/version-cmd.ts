// `mast version`.

import type { Command } from "commander";
import { VERSION } from "./version.ts";

export function registerVersion(program: Command): void {
  program
    .command("version")
    .description("print the version of the mast command")
    .option("-o, --output <format>", "output format: text or json", "text")
    .action((opts: { output: string }) => {
      const info = { version: VERSION, node: process.versions.node };
      process.stdout.write(
        opts.output === "json"
          ? `${JSON.stringify(info)}\n`
          : `mast ${VERSION} (node ${info.node})\n`,
      );
    });
}
