// Supervision of the local mesh's processes: each runs with its own log file, is restarted with
// backoff when it dies, and is stopped by PID. Pid files let `mast down` stop a mesh that another
// `mast up` started.

import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Children die with their supervisor: util-linux's setpriv sets PR_SET_PDEATHSIG before it execs
 * the command, so a SIGKILLed `mast up` takes the control plane, proxies and apps with it (any
 * command, no cooperation from it). Without setpriv they outlive it until the next up or down.
 */
const SETPRIV =
  process.platform === "linux" ? ["/usr/bin/setpriv", "/bin/setpriv"].find(existsSync) : undefined;

function diesWithParent(spec: ProcessSpec): string[] {
  return ["--pdeathsig", "TERM", "--", spec.command, ...spec.args];
}

export interface SupervisorOptions {
  readonly logDir: string;
  readonly pidDir: string;
  /** First restart delay; doubles per quick crash up to maxBackoffMs. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** A process that ran this long counts as healthy: its next crash restarts at backoffMs. */
  readonly stableMs?: number;
  readonly onEvent?: (
    name: string,
    event: "started" | "exited" | "restarting",
    detail: string,
  ) => void;
}

interface Entry {
  readonly spec: ProcessSpec;
  child?: ChildProcess;
  restarts: number;
  backoff: number;
  startedAt: number;
  timer?: NodeJS.Timeout;
}

export class Supervisor {
  readonly #opts: SupervisorOptions;
  readonly #entries = new Map<string, Entry>();
  #stopping = false;

  constructor(opts: SupervisorOptions) {
    this.#opts = opts;
  }

  start(spec: ProcessSpec): void {
    if (this.#entries.has(spec.name)) throw new Error(`process ${spec.name} already supervised`);
    const entry: Entry = { spec, restarts: 0, backoff: this.#opts.backoffMs ?? 200, startedAt: 0 };
    this.#entries.set(spec.name, entry);
    this.#launch(entry);
  }

  pid(name: string): number | undefined {
    return this.#entries.get(name)?.child?.pid;
  }

  restarts(name: string): number {
    return this.#entries.get(name)?.restarts ?? 0;
  }

  names(): string[] {
    return [...this.#entries.keys()];
  }

  #launch(entry: Entry): void {
    const { spec } = entry;
    const log = openSync(join(this.#opts.logDir, `${spec.name}.log`), "a");
    const child = spawn(SETPRIV ?? spec.command, SETPRIV ? diesWithParent(spec) : spec.args, {
      env: { ...process.env, ...spec.env },
      stdio: ["ignore", log, log],
    });
    closeSync(log);
    entry.child = child;
    entry.startedAt = Date.now();
    if (child.pid) writeFileSync(join(this.#opts.pidDir, `${spec.name}.pid`), `${child.pid}\n`);
    this.#opts.onEvent?.(spec.name, "started", `pid ${child.pid}`);
    child.once("exit", (code, signal) => {
      this.#opts.onEvent?.(spec.name, "exited", signal ? `signal ${signal}` : `code ${code}`);
      if (this.#stopping) return;
      const ranFor = Date.now() - entry.startedAt;
      if (ranFor >= (this.#opts.stableMs ?? 10_000)) entry.backoff = this.#opts.backoffMs ?? 200;
      const delay = entry.backoff;
      entry.backoff = Math.min(entry.backoff * 2, this.#opts.maxBackoffMs ?? 5_000);
      entry.restarts++;
      this.#opts.onEvent?.(spec.name, "restarting", `in ${delay} ms`);
      entry.timer = setTimeout(() => this.#launch(entry), delay);
    });
    child.once("error", (err) => {
      this.#opts.onEvent?.(spec.name, "exited", `spawn error: ${err.message}`);
    });
  }

  /** Stops every process: SIGTERM, then SIGKILL after graceMs. */
  async stopAll(graceMs = 5_000): Promise<void> {
    this.#stopping = true;
    await Promise.all([...this.#entries.values()].map((e) => this.#stop(e, graceMs)));
  }

  async #stop(entry: Entry, graceMs: number): Promise<void> {
    clearTimeout(entry.timer);
    const child = entry.child;
    rmSync(join(this.#opts.pidDir, `${entry.spec.name}.pid`), { force: true });
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
