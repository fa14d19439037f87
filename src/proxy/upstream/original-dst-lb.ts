// Envoy's original destination load balancer (ORIGINAL_DST clusters, lb_policy CLUSTER_PROVIDED):
// the host is where the downstream connection was headed before capture redirected it (its
// restored local address), or, with original_dst_lb_config.use_http_header, the address in
// x-envoy-original-dst-host. Hosts are added on demand and dropped after cleanup_interval unused.

import net from "node:net";
import type { Cluster } from "../config-types.ts";
import { parseDurationMs } from "../duration.ts";
import type { HeaderMap } from "../http/headers.ts";
import type { DownstreamInfo } from "../http/stream.ts";
import type { Host } from "./endpoints.ts";

/** What the original destination is chosen from. */
export interface OriginalDstContext {
  readonly downstream?: DownstreamInfo;
  readonly headers?: HeaderMap;
}

const DEFAULT_HEADER = "x-envoy-original-dst-host";

/** "10.0.0.2:80" or "[fd00::2]:80" into an address and port; undefined when it is not one. */
export function parseHostPort(value: string): { address: string; port: number } | undefined {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(value) ?? /^([0-9.]+):(\d+)$/.exec(value);
  if (!m || !net.isIP(m[1]!)) return undefined;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { address: m[1]!, port } : undefined;
}

function plainIp(ip: string): string {
  return ip.startsWith("::ffff:") && net.isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}

export class OriginalDstLb {
  private readonly header: string | undefined;
  private readonly portOverride: number | undefined;
  private readonly hosts = new Map<string, Host>();
  private readonly used = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private readonly publish: (hosts: Host[]) => void;

  /** `publish` receives the host set whenever it changes (the cluster's membership). */
  constructor(config: Cluster, publish: (hosts: Host[]) => void) {
    const lb = config.original_dst_lb_config;
    this.header = lb?.use_http_header ? lb.http_header_name || DEFAULT_HEADER : undefined;
    this.portOverride = lb?.upstream_port_override || undefined;
    this.publish = publish;
    this.timer = setInterval(() => this.cleanup(), parseDurationMs(config.cleanup_interval, 5_000));
    this.timer.unref();
  }

  pick(ctx: OriginalDstContext | undefined): Host | undefined {
    let dst: { address: string; port: number } | undefined;
    const value = this.header ? ctx?.headers?.get(this.header) : undefined;
    if (value !== undefined) dst = parseHostPort(value.trim());
    else if (ctx?.downstream?.localAddressRestored)
      dst = { address: plainIp(ctx.downstream.localAddress), port: ctx.downstream.localPort };
    if (!dst) return undefined;
    const port = this.portOverride ?? dst.port;
    const key = net.isIPv6(dst.address) ? `[${dst.address}]:${port}` : `${dst.address}:${port}`;
    this.used.add(key);
    let host = this.hosts.get(key);
    if (!host) {
      host = {
        key,
        address: dst.address,
        port,
        weight: 1,
        priority: 0,
        locality: "",
        localityWeight: 0,
        healthStatus: "HEALTHY",
        failedEdsHealth: false,
        failedActiveHc: false,
        failedOutlierCheck: false,
        activeRequests: 0,
        totalRequests: 0,
      };
      this.hosts.set(key, host);
      this.publish([...this.hosts.values()]);
    }
    return host;
  }

  /** Drops hosts no connection or request picked since the last sweep (Envoy's cleanup_interval). */
  private cleanup(): void {
    let changed = false;
    for (const [key, host] of this.hosts) {
      if (this.used.has(key) || host.activeRequests > 0) continue;
      this.hosts.delete(key);
      changed = true;
    }
    this.used.clear();
    if (changed) this.publish([...this.hosts.values()]);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
