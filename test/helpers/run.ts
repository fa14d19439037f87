// Runs the real `mast` command in a child process and captures its output.

import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAST_BIN } from "./paths.ts";

const NO_MESH = join(tmpdir(), `mast-no-mesh-${process.pid}`);

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runMast(
  args: readonly string[],
  opts: { input?: string | Buffer; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): RunResult {
  const r = spawnSync(MAST_BIN, args, {
    input: opts.input,
    cwd: opts.cwd,
    // No mesh unless the test names one: commands that read $MAST_HOME (analyze) stay hermetic.
    env: { MAST_HOME: NO_MESH, ...process.env, ...opts.env },
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
