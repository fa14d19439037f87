// Entry point of the `mast` command: registers the command groups and maps failures to exit
// codes (0 ok, 1 a command's own failure, 2 usage errors).

import { Command, CommanderError } from "commander";
import { groupsFor } from "./commands.ts";
import { UsageError } from "./usage.ts";
import { VERSION } from "./version.ts";

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command("mast")
    .description("Mast: a service mesh that speaks Istio's API")
    .version(VERSION, "--version", "print the version")
    .showHelpAfterError()
    .exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const registers = await Promise.all(groupsFor(argv).map((g) => g.load()));
  for (const register of registers) register(program);
  program.commands.forEach(exitOverrideDeep);
  try {
    await program.parseAsync(argv as string[], { from: "user" });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return 0;
      if (err.code === "commander.help") return 0;
      return 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`Error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

function exitOverrideDeep(cmd: Command): void {
  cmd.exitOverride();
  cmd.commands.forEach(exitOverrideDeep);
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`mast: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
