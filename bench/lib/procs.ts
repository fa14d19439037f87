// Processes under benchmark: started pinned to a core with taskset, waited for by port, measured
// through /proc (CPU from schedstat in ns, RSS from status), and stopped by their own id.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, openSync, readdirSync, readFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { promisify } from "node:util";

export const execFileAsync = promisify(execFile);

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
}

/** Is `cmd` on PATH (or an executable path)? */
export function hasTool(cmd: string): boolean {
  if (cmd.includes("/")) return existsSync(cmd);
  return (process.env.PATH ?? "").split(":").some((dir) => dir && existsSync(`${dir}/${cmd}`));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Runs `cmd args` on `cpus` (taskset list such as "1") in its own process group. */
const started = new Set<Proc>();

/** Ends every process group this harness started (on Ctrl-C): each by the id we were given. */
export function stopAllSync(): void {
  for (const p of started) {
    try {
      process.kill(-p.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  started.clear();
}

export function startPinned(
  name: string,
  cpus: string,
  cmd: string,
  args: readonly string[],
  logFile: string,
): Proc {
  const log = openSync(logFile, "a");
  const child = spawn("taskset", ["-c", cpus, cmd, ...args], {
    stdio: ["ignore", log, log],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
  const proc = { name, child, pid: child.pid };
  started.add(proc);
  child.once("exit", () => started.delete(proc));
  return proc;
}

export async function waitPort(proc: Proc, port: number, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (proc.child.exitCode !== null)
      throw new Error(
        `${proc.name} exited with code ${proc.child.exitCode} before listening on ${port}`,
      );
    const up = await new Promise<boolean>((resolve) => {
      const s = connect({ host: "127.0.0.1", port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${proc.name}: port ${port} not up after ${timeoutMs} ms`);
}

/** SIGTERM to the group we started (its id is the leader's pid), then SIGKILL if it lingers. */
export async function stop(proc: Proc): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.child.once("exit", () => resolve()));
  try {
    process.kill(-proc.pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-proc.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }, 3000);
  await exited;
  clearTimeout(timer);
}

/** The pid and all its descendants. */
export function tree(pid: number): number[] {
  const out = [pid];
  let kids: string[] = [];
  try {
    kids = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(/\s+/).filter(Boolean);
  } catch {
    return out;
  }
  for (const k of kids) out.push(...tree(Number(k)));
  return out;
}

/** CPU time in ns used so far by the processes (all threads), from /proc/<pid>/task/<tid>/schedstat. */
export function cpuNs(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      } catch {
        // thread ended
      }
    }
  }
  return total;
}

/** Resident set size in MB summed over the processes. */
export function rssMb(pids: readonly number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) kb += Number(m[1]);
    } catch {
      // process ended
    }
  }
  return Math.round((kb / 1024) * 10) / 10;
}

const TICK_NS = 1e7; // USER_HZ is 100 on Linux

/** Busy time of the whole machine (all cores) in ns, from /proc/stat. Tick-sampled, so coarse. */
export function machineBusyNs(): number {
  const f = readFileSync("/proc/stat", "utf8")
    .split("\n")[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  // user nice system idle iowait irq softirq steal
  return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) * TICK_NS;
}

/** CPU of this harness plus its reaped children (the generators), in ns. */
export function selfAndChildrenNs(): number {
  const f = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ").map(Number);
  // after "pid (comm) ": state is f[0], utime f[11], stime f[12], cutime f[13], cstime f[14]
  return (f[11] + f[12] + f[13] + f[14]) * TICK_NS;
}
