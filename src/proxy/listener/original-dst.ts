// envoy.filters.listener.original_dst: the destination a connection had before iptables/nftables
// REDIRECT sent it to the proxy, read with getsockopt(SO_ORIGINAL_DST) (IPv4) or
// getsockopt(IP6T_SO_ORIGINAL_DST) (IPv6). Node has no API for either, so libc's getsockopt is
// called through koffi (FFI, prebuilt, nothing to compile), loaded on the first capture listener.

import { createRequire } from "node:module";
import net from "node:net";

export interface OriginalDst {
  readonly ip: string;
  readonly port: number;
}

const SOL_IP = 0;
const SOL_IPV6 = 41;
/** SO_ORIGINAL_DST and IP6T_SO_ORIGINAL_DST share the number (linux/netfilter_ipv4.h, ip6_tables.h). */
const SO_ORIGINAL_DST = 80;
/** sizeof(struct sockaddr_in6): room for either family. */
const SOCKADDR_LEN = 28;

type GetSockOpt = (fd: number, level: number, name: number, val: Buffer, len: number[]) => number;

let getsockopt: GetSockOpt | undefined;
let loadError: string | undefined;

function load(): GetSockOpt | undefined {
  if (getsockopt || loadError) return getsockopt;
  if (process.platform !== "linux") {
    loadError = `SO_ORIGINAL_DST exists on Linux only (this is ${process.platform})`;
    return undefined;
  }
  try {
    const koffi = createRequire(import.meta.url)("koffi");
    const libc = koffi.load("libc.so.6");
    getsockopt = libc.func(
      "int getsockopt(int fd, int level, int name, _Out_ uint8_t *val, _Inout_ uint32_t *len)",
    ) as GetSockOpt;
  } catch (e) {
    loadError = `cannot call getsockopt through koffi (npm ci installs it): ${(e as Error).message}`;
  }
  return getsockopt;
}

/** Why original destinations cannot be read here, or undefined when they can. */
export function originalDstUnavailable(): string | undefined {
  load();
  return loadError;
}

function fdOf(socket: net.Socket): number | undefined {
  // `_handle.fd` is undocumented but stable on Unix; every SO_ORIGINAL_DST addon reads it.
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === "number" && fd >= 0 ? fd : undefined;
}

function decode(buf: Buffer): OriginalDst | undefined {
  const family = buf.readUInt16LE(0);
  const port = buf.readUInt16BE(2);
  if (family === 2) return { ip: `${buf[4]}.${buf[5]}.${buf[6]}.${buf[7]}`, port };
  if (family === 10) {
    const groups: string[] = [];
    for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(8 + 2 * i).toString(16));
    // net.SocketAddress prints the canonical (compressed) form
    return {
      ip: new net.SocketAddress({ address: groups.join(":"), family: "ipv6" }).address,
      port,
    };
  }
  return undefined;
}

/**
 * The connection's destination before NAT. Undefined when it was not redirected or the kernel
 * keeps no conntrack entry for it (Envoy then leaves the local address as it is).
 */
export function originalDst(socket: net.Socket): OriginalDst | undefined {
  const call = load();
  const fd = fdOf(socket);
  if (!call || fd === undefined) return undefined;
  // An IPv4 connection on a dual-stack socket (::ffff:a.b.c.d) is in the IPv4 NAT table.
  const v6 = net.isIPv6(socket.localAddress ?? "") && !socket.localAddress?.startsWith("::ffff:");
  const buf = Buffer.alloc(SOCKADDR_LEN);
  const len = [SOCKADDR_LEN];
  if (call(fd, v6 ? SOL_IPV6 : SOL_IP, SO_ORIGINAL_DST, buf, len) !== 0) return undefined;
  return decode(buf);
}
