// Every command of the CLI, subcommands included, has a description and `--help`: the command
// tree is walked in process (every group loaded), and each top-level command's `--help` is run
// through the real `mast` binary, which must exit 0 and print its usage.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, test } from "node:test";
import { Command } from "commander";
import { COMMAND_GROUPS } from "../../src/cli/commands.ts";
import { MAST_BIN } from "../helpers/paths.ts";

async function program(): Promise<Command> {
  const root = new Command("mast");
  for (const group of COMMAND_GROUPS) (await group.load())(root);
  return root;
}

/** Every command below `cmd` with its path of names, depth first. */
function walk(cmd: Command, path: readonly string[] = []): [string[], Command][] {
  return cmd.commands.flatMap((c) => {
    const p = [...path, c.name()];
    return [[p, c] as [string[], Command], ...walk(c, p)];
  });
}

function helpOf(args: readonly string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(MAST_BIN, [...args, "--help"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.on("close", (code) => resolve({ code, out }));
  });
}

describe("help on every command", () => {
  test("every command and subcommand has a description, usage and described options", async () => {
    const commands = walk(await program());
    assert.ok(commands.length >= 15, `only ${commands.length} commands found`);
    for (const [path, cmd] of commands) {
      const name = `mast ${path.join(" ")}`;
      assert.ok(cmd.description().trim(), `${name} has no description`);
      // Usage names each command with its aliases: `mast x|experimental describe|des`.
      const usage = path.map((p) => `(\\S+\\|)?${p}(\\|\\S+)?`).join(" ");
      assert.match(cmd.helpInformation(), new RegExp(`^Usage: mast ${usage} `), name);
      for (const opt of cmd.options)
        assert.ok(opt.description.trim(), `${name} ${opt.flags} has no description`);
    }
  });

  test("`mast <command> --help` exits 0 with its usage for every top-level command", async () => {
    const names = COMMAND_GROUPS.flatMap((g) => g.names);
    const results = await Promise.all(names.map((n) => helpOf([n])));
    names.forEach((n, i) => {
      assert.equal(results[i]?.code, 0, `mast ${n} --help`);
      assert.match(
        results[i]?.out ?? "",
        new RegExp(`^Usage: mast (\\S+\\|)?${n}\\b`),
        `mast ${n} --help`,
      );
    });
  });
});
