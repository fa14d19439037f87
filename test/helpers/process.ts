// Child processes for end-to-end tests: started with a readiness line to wait for, and stopped
// by PID when the test ends.

import { type ChildProcess, spawn } from "node:child_process";
import { MAST_BIN } from "./paths.ts";

export interface Started {
  readonly child: ChildProcess;
  /** The first match of the readiness pattern in stdout. */
  readonly match: RegExpExecArray;
  output(): string;
  stop(): Promise<void>;
}

export async function startProcess(
  command: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; ready: RegExp; timeoutMs?: number },
): Promise<Started> {
  const child = spawn(command, args, {
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
    await exited;
    clearTimeout(timer);
  };
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${command} not ready in ${opts.timeoutMs ?? 15_000} ms:\n${out}`));
    }, opts.timeoutMs ?? 15_000);
    const onData = (chunk: Buffer) => {
      out += chunk;
      const m = opts.ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (c: Buffer) => {
      out += c;
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code} before it was ready:\n${out}`));
    });
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { child, match, output: () => out, stop };
}

/**
 * `mast proxy` in its own process from a bootstrap file, admin on an ephemeral loopback port
 * (`match[1]`), no readiness port.
 */
export function startMastProxy(bootstrapFile: string, env?: NodeJS.ProcessEnv): Promise<Started> {
  return startProcess(
    MAST_BIN,
    [
      "proxy",
      "-c",
      bootstrapFile,
      "--admin-port",
      "0",
      "--readiness-port",
      "-1",
      "--bind-address",
      "127.0.0.1",
    ],
    { ready: /admin on port (\d+)/, env },
  );
}

/** Whether a process of this PID exists (signal 0 checks without signalling). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
