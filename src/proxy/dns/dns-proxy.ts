// The sidecar's DNS proxy (istio-agent's, on 15053): iptables sends the workload's DNS queries
// here; names of the mesh are answered from the control plane's NameTable, everything else is
// forwarded to the upstream resolvers (the pod's /etc/resolv.conf, as the agent reads it).

import dgram from "node:dgram";
import { readFileSync } from "node:fs";
import net from "node:net";
import type { Bootstrap } from "../config-types.ts";
import {
  buildAnswer,
  parseQuery,
  RCODE_NOERROR,
  RCODE_NXDOMAIN,
  TYPE_A,
  TYPE_AAAA,
} from "./dns-message.ts";
import { NameLookup, type NameTable } from "./name-table.ts";

const RCODE_SERVFAIL = 2;

export interface DnsProxyOptions {
  readonly host: string;
  readonly port: number;
  /** Upstream resolvers, "ip" or "ip:port" ("[ip6]:port"). */
  readonly upstreams: readonly string[];
  readonly timeoutMs?: number;
  /** The workload's namespace (its services answer to their short names). */
  readonly namespace: string;
  /** The cluster's DNS domain. */
  readonly domain: string;
}

/** The nameservers of a resolv.conf text. */
export function resolvConfServers(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m && net.isIP(m[1]!.replace(/%.*$/, ""))) out.push(m[1]!);
  }
  return out;
}

export function systemResolvers(file = "/etc/resolv.conf"): string[] {
  try {
    return resolvConfServers(readFileSync(file, "utf8"));
  } catch {
    return [];
  }
}

function hostPort(s: string): { host: string; port: number } {
  const m = /^\[(.+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  return m ? { host: m[1]!, port: Number(m[2]) } : { host: s, port: 53 };
}

export class DnsProxy {
  private readonly opts: DnsProxyOptions;
  private lookup: NameLookup;
  private udp: dgram.Socket | undefined;
  private tcp: net.Server | undefined;
  readonly counts = { requests: 0, answered: 0, forwarded: 0, failed: 0 };

  constructor(opts: DnsProxyOptions) {
    this.opts = opts;
    this.lookup = new NameLookup({}, opts.namespace, opts.domain);
  }

  /** A NameTable from the control plane replaces the previous one. */
  setTable(table: NameTable): void {
    this.lookup = new NameLookup(table, this.opts.namespace, this.opts.domain);
  }

  /** Binds UDP and TCP on the same port (port 0: a free one, then both use it). */
  async start(): Promise<{ port: number }> {
    const { host } = this.opts;
    const udp = dgram.createSocket(net.isIPv6(host) ? "udp6" : "udp4");
    this.udp = udp;
    udp.on("message", (msg, rinfo) => {
      void this.answer(msg).then((out) => {
        if (out) udp.send(out, rinfo.port, rinfo.address);
      });
    });
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(this.opts.port, host, () => {
        udp.off("error", reject);
        resolve();
      });
    });
    const port = udp.address().port;
    const tcp = net.createServer((s) => this.serveTcp(s));
    this.tcp = tcp;
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen(port, host, () => resolve());
    });
    return { port };
  }

  /** DNS over TCP: 2-byte length-prefixed messages, several per connection. */
  private serveTcp(s: net.Socket): void {
    s.on("error", () => undefined);
    s.setTimeout(10_000, () => s.destroy());
    let buf = Buffer.alloc(0);
    s.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        void this.answer(Buffer.from(msg)).then((out) => {
          if (!out || s.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(out.length);
          s.write(Buffer.concat([len, out]));
        });
      }
    });
  }

  /** The reply to one query: from the name table, or from upstream. */
  async answer(msg: Buffer): Promise<Buffer | undefined> {
    this.counts.requests++;
    const q = parseQuery(msg);
    if (!q) return undefined;
    const ips = this.lookup.lookup(q.name);
    if (ips === null) return buildAnswer(msg, q, [], RCODE_NXDOMAIN);
    if (ips) {
      this.counts.answered++;
      // other types for a mesh name: an empty answer, so the client does not wait on upstream
      return buildAnswer(
        msg,
        q,
        q.type === TYPE_A || q.type === TYPE_AAAA ? ips : [],
        RCODE_NOERROR,
      );
    }
    this.counts.forwarded++;
    const reply = await this.forward(msg, q.id);
    if (reply) return reply;
    this.counts.failed++;
    return buildAnswer(msg, q, [], RCODE_SERVFAIL);
  }

  private async forward(msg: Buffer, id: number): Promise<Buffer | undefined> {
    for (const u of this.opts.upstreams) {
      const reply = await this.ask(hostPort(u), msg, id);
      if (reply) return reply;
    }
    return undefined;
  }

  private ask(
    to: { host: string; port: number },
    msg: Buffer,
    id: number,
  ): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const sock = dgram.createSocket(net.isIPv6(to.host) ? "udp6" : "udp4");
      const done = (r: Buffer | undefined) => {
        clearTimeout(timer);
        sock.close();
        resolve(r);
      };
      const timer = setTimeout(() => done(undefined), this.opts.timeoutMs ?? 2_500);
      sock.on("error", () => done(undefined));
      sock.on("message", (r) => {
        if (r.length >= 2 && r.readUInt16BE(0) === id) done(r);
      });
      sock.send(msg, to.port, to.host);
    });
  }

  close(): void {
    this.udp?.close();
    this.tcp?.close();
  }
}

/**
 * The DNS proxy of a sidecar whose node metadata says DNS_CAPTURE=true (istio-agent's switch),
 * started on `address` (default 127.0.0.1:15053, where the capture rules send port 53).
 */
export async function startDnsCapture(
  b: Bootstrap,
  address = { host: "127.0.0.1", port: 15053 },
): Promise<DnsProxy | undefined> {
  const meta = (b.node?.metadata ?? {}) as Record<string, unknown>;
  if (meta.DNS_CAPTURE !== "true" && meta.DNS_CAPTURE !== true) return undefined;
  const namespace = String(meta.NAMESPACE ?? "default");
  // the node id ends in `<ns>.svc.<domain>`, as istio-agent builds it
  const suffix = String(b.node?.id ?? "").split("~")[3] ?? "";
  const domain = suffix.startsWith(`${namespace}.svc.`)
    ? suffix.slice(namespace.length + 5)
    : "cluster.local";
  const dns = new DnsProxy({ ...address, upstreams: systemResolvers(), namespace, domain });
  await dns.start();
  return dns;
}
