// Network namespaces for capture tests: unique names per test process, processes started inside
// them (optionally as the proxy's uid 1337), and curl run inside; everything is removed at the end.

import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROXY_GID, PROXY_UID } from "../../src/runtime/istio-iptables.ts";
import { deleteNetns, inNetns, netnsUnavailable } from "../../src/runtime/netns.ts";
import { ROOT } from "./paths.ts";
import { type Started, startProcess } from "./process.ts";

let unavailable: string | false | undefined;

/** A skip reason when namespaces cannot be made here (not root, tools missing), else false. */
export function netnsSkip(): string | false {
  unavailable ??= netnsUnavailable() ?? false;
  return unavailable;
}

let counter = 0;

/** A namespace name no other test process uses. */
export function uniqueNetns(tag: string): string {
  return `mt${process.pid}${tag}${counter++}`;
}

export const NODE = `${ROOT}node_modules/node/bin/node`;
export const MAIN = `${ROOT}src/cli/main.ts`;

/** A world-readable temp dir (the proxy runs as uid 1337 and must read its bootstrap). */
export function sharedTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** Starts `mast proxy` inside a namespace as uid/gid 1337 with a static bootstrap. */
export function startNsProxy(ns: string, dir: string, bootstrap: object): Promise<Started> {
  const file = join(dir, `${ns}.bootstrap.json`);
  writeFileSync(file, JSON.stringify(bootstrap), { mode: 0o644 });
  return startProcess(
    "ip",
    [
      ...inNetns(ns).slice(1),
      "setpriv",
      `--reuid=${PROXY_UID}`,
      `--regid=${PROXY_GID}`,
      "--clear-groups",
      NODE,
      "--disable-warning=ExperimentalWarning",
      MAIN,
      "proxy",
      "-c",
      file,
      "--readiness-port",
      "-1",
      "--drain-time-s",
      "0",
    ],
    { ready: /admin on port/, timeoutMs: 20_000 },
  );
}

/** Runs a Node script inside a namespace (as root), ready when it prints `ready`. */
export function startNsNode(ns: string, script: string): Promise<Started> {
  return startProcess("ip", [...inNetns(ns).slice(1), NODE, "-e", script], {
    ready: /ready/,
    timeoutMs: 15_000,
  });
}

export interface NsCurl {
  code: number;
  stdout: string;
  stderr: string;
}

/** curl inside a namespace (as root: its traffic is captured). */
export function nsCurl(ns: string, args: readonly string[]): Promise<NsCurl> {
  return new Promise((resolve) => {
    execFile(
      "ip",
      [...inNetns(ns).slice(1), "curl", "-sS", "--max-time", "5", ...args],
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Stops processes, then deletes namespaces and the temp dir, whatever failed before. */
export async function cleanup(
  procs: readonly (Started | undefined)[],
  namespaces: readonly string[],
  dir?: string,
): Promise<void> {
  await Promise.all(procs.map((p) => p?.stop()));
  for (const ns of namespaces) deleteNetns(ns);
  if (dir) rmSync(dir, { recursive: true, force: true });
}
