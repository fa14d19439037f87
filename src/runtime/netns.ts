// Network namespaces for transparent capture, through iproute2 as a CNI plugin would use it:
// named namespaces (`ip netns`, so `ip netns exec` also bind-mounts /etc/netns/<name>/ files such
// as resolv.conf), veth pairs, a bridge. Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN).

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Runs a command; a failure names the command and carries its stderr. */
export function sh(command: string, args: readonly string[], input?: string): string {
  try {
    return execFileSync(command, args, {
      input,
      encoding: "utf8",
      stdio: ["pipe", "pipe", "pipe"],
      timeout: 10_000,
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(" ")}: ${(err.stderr || err.message).trim()}`);
  }
}

/** The argv prefix that runs a command inside a namespace. */
export function inNetns(ns: string): string[] {
  return ["ip", "netns", "exec", ns];
}

export function nsExec(ns: string, args: readonly string[], input?: string): string {
  return sh("ip", ["netns", "exec", ns, ...args], input);
}

export function listNetns(): string[] {
  const out = sh("ip", ["netns", "list"]);
  return out
    .split("\n")
    .map((l) => l.split(" ")[0]!)
    .filter(Boolean);
}

/** Creates a namespace with loopback up; `sysctls` are set inside it. */
export function addNetns(ns: string, sysctls: Readonly<Record<string, string>> = {}): void {
  sh("ip", ["netns", "add", ns]);
  sh("ip", ["-n", ns, "link", "set", "lo", "up"]);
  // written under /proc/sys as seen from inside (procps' sysctl need not be installed)
  for (const [k, v] of Object.entries(sysctls))
    nsExec(ns, ["sh", "-c", 'printf %s "$1" > "$0"', `/proc/sys/${k.replaceAll(".", "/")}`, v]);
}

/** Deletes a namespace (its veth ends go with it) and its /etc/netns files; absent is fine. */
export function deleteNetns(ns: string): void {
  if (listNetns().includes(ns)) sh("ip", ["netns", "del", ns]);
  rmSync(join("/etc/netns", ns), { recursive: true, force: true });
}

/** Files `ip netns exec` bind-mounts over /etc inside the namespace (resolv.conf, hosts). */
export function writeNetnsEtc(ns: string, files: Readonly<Record<string, string>>): void {
  const dir = join("/etc/netns", ns);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

export function linkExists(name: string): boolean {
  return existsSync(join("/sys/class/net", name));
}

export function deleteLink(name: string): void {
  if (linkExists(name)) sh("ip", ["link", "del", name]);
}

/** A bridge in the root namespace holding `cidr` (e.g. 198.18.7.1/24), up. */
export function addBridge(name: string, cidr: string): void {
  sh("ip", ["link", "add", name, "type", "bridge"]);
  sh("ip", ["addr", "add", cidr, "dev", name]);
  sh("ip", ["link", "set", name, "up"]);
}

export interface VethEnd {
  /** Interface name (15 characters at most). */
  readonly name: string;
  /** Namespace, or undefined for the root namespace. */
  readonly ns?: string;
  /** Addresses with prefix length, e.g. 198.18.7.2/24 or fd00::2/64. */
  readonly cidrs?: readonly string[];
  /** Bridge to attach this end to (root namespace). */
  readonly bridge?: string;
  /** Default route via this address. */
  readonly gateway?: string;
}

let vethCounter = 0;

/** A veth pair between two namespaces (or one and a bridge), addressed and up. */
export function addVeth(a: VethEnd, b: VethEnd): void {
  // Ends bound for a namespace are created under a temporary name, which cannot clash with the
  // root namespace's interfaces (eth0), then renamed inside.
  const created = [a, b].map((end) =>
    end.ns ? `mt${process.pid % 1_000_000}v${vethCounter++}` : end.name,
  );
  sh("ip", ["link", "add", created[0]!, "type", "veth", "peer", "name", created[1]!]);
  [a, b].forEach((end, i) => {
    const ipn = end.ns ? ["-n", end.ns] : [];
    if (end.ns) {
      sh("ip", ["link", "set", created[i]!, "netns", end.ns]);
      sh("ip", [...ipn, "link", "set", created[i]!, "name", end.name]);
    }
    if (end.bridge) sh("ip", ["link", "set", end.name, "master", end.bridge]);
    for (const cidr of end.cidrs ?? []) {
      // IPv6 duplicate address detection would keep the address unusable for a second or two
      const nodad = cidr.includes(":") ? ["nodad"] : [];
      sh("ip", [...ipn, "addr", "add", cidr, "dev", end.name, ...nodad]);
    }
    sh("ip", [...ipn, "link", "set", end.name, "up"]);
    if (end.gateway) sh("ip", [...ipn, "route", "add", "default", "via", end.gateway]);
  });
}

export function commandExists(tool: string): boolean {
  try {
    execFileSync("sh", ["-c", 'command -v "$0"', tool], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Why namespaces cannot be made here (not root, no iproute2/iptables), or undefined. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== "linux") return "network namespaces exist on Linux only";
  if (process.getuid?.() !== 0) return "transparent capture needs root (CAP_NET_ADMIN)";
  for (const tool of ["ip", "iptables-restore", "ip6tables-restore", "setpriv"]) {
    if (!commandExists(tool))
      return `${tool} not found (apt-get install iproute2 iptables util-linux)`;
  }
  const probe = `mast-probe-${process.pid}`;
  try {
    addNetns(probe);
    return undefined;
  } catch (e) {
    return `cannot create a network namespace: ${(e as Error).message}`;
  } finally {
    try {
      deleteNetns(probe);
    } catch {
      // nothing was created
    }
  }
}
