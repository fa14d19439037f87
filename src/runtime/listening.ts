// Whether a process listens on a TCP port, read from the kernel's socket table of the process's
// network namespace (/proc/<pid>/net/tcp and tcp6): an app is ready for traffic once it listens,
// which a connection attempt cannot tell when capture puts a proxy in front of it.

import { readFileSync } from "node:fs";

const LISTEN = "0A";

/** True when a socket of `pid`'s network namespace listens on `ip:port` (or the wildcard). */
export function listening(pid: number, ip: string, port: number): boolean {
  const want = ipv4Hex(ip);
  const portHex = port.toString(16).toUpperCase().padStart(4, "0");
  for (const table of ["tcp", "tcp6"]) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== LISTEN || !local) continue;
      const [addr, p] = local.split(":");
      if (p !== portHex || !addr) continue;
      if (/^0+$/.test(addr) || addr === want || addr.endsWith(`FFFF0000${want}`)) return true;
    }
  }
  return false;
}

/** An IPv4 address as /proc/net/tcp prints it: the 32-bit value in host (little-endian) order. */
function ipv4Hex(ip: string): string {
  return ip
    .split(".")
    .reverse()
    .map((b) => Number(b).toString(16).toUpperCase().padStart(2, "0"))
    .join("");
}
