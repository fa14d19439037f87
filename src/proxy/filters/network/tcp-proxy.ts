// envoy.filters.network.tcp_proxy: pipes a downstream connection to a host of the chosen cluster
// (or a weighted pick), with Envoy's idle timeout (1h by default) and UF/UH/UO flags in the log.

import net from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import type { AccessLogEntry } from "../../../telemetry/access-log.ts";
import { compileAccessLogFormat, ENVOY_DEFAULT_FORMAT } from "../../../telemetry/access-log.ts";
import { ResponseFlags } from "../../../telemetry/response-flags.ts";
import { type StatsStore, tcpScope } from "../../../telemetry/stats.ts";
import type { NamedTyped, TypedConfig } from "../../config-types.ts";
import { parseDurationMs } from "../../duration.ts";
import type { DownstreamInfo } from "../../http/stream.ts";
import type { ClusterManager } from "../../upstream/cluster-manager.ts";

/** Per-connection read buffer for upstream bytes (Node's own read size). */
const READ_BUFFER = 64 * 1024;

export interface TcpProxyContext {
  readonly stats: StatsStore;
  readonly clusters: ClusterManager;
  accessLog(line: string): void;
}

interface WeightedTcp {
  name?: string;
  weight?: number;
}

type Obj = Record<string, unknown>;

export class TcpProxy {
  private readonly statPrefix: string;
  private readonly cluster: string | undefined;
  private readonly weighted: WeightedTcp[];
  private readonly idleMs: number;
  private readonly logs: ((e: AccessLogEntry) => string)[];
  private readonly ctx: TcpProxyContext;
  private readonly open = new Set<Duplex>();

  constructor(tc: TypedConfig, ctx: TcpProxyContext, path: string) {
    const c = tc as Obj;
    this.statPrefix = String(c.stat_prefix ?? "");
    if (!this.statPrefix) throw new Error(`${path}.stat_prefix: required`);
    this.cluster = c.cluster as string | undefined;
    this.weighted =
      ((c.weighted_clusters as Obj | undefined)?.clusters as WeightedTcp[] | undefined) ?? [];
    if (!this.cluster && this.weighted.length === 0)
      throw new Error(`${path}: cluster or weighted_clusters is required`);
    this.idleMs = parseDurationMs(c.idle_timeout as string | undefined, 3_600_000);
    this.logs = ((c.access_log as NamedTyped[] | undefined) ?? []).map((al) => {
      const lf = (al.typed_config as Obj | undefined)?.log_format as Obj | undefined;
      const src = (lf?.text_format_source as Obj | undefined)?.inline_string;
      return compileAccessLogFormat(typeof src === "string" ? src : ENVOY_DEFAULT_FORMAT);
    });
    this.ctx = ctx;
  }

  private pickCluster(): string | undefined {
    if (this.cluster) return this.cluster;
    const total = this.weighted.reduce((a, w) => a + (w.weight ?? 0), 0);
    let x = Math.random() * total;
    for (const w of this.weighted) {
      x -= w.weight ?? 0;
      if (x < 0) return w.name;
    }
    return this.weighted[0]?.name;
  }

  handle(down: Duplex, info: DownstreamInfo): void {
    const flags = new ResponseFlags();
    const start = new Date();
    const t0 = performance.now();
    let rx = 0;
    let tx = 0;
    let upstreamHost: string | undefined;
    const clusterName = this.pickCluster();
    const cluster = clusterName ? this.ctx.clusters.get(clusterName) : undefined;
    const stat = (s: string) => this.ctx.stats.counter(tcpScope(this.statPrefix), s);
    stat("downstream_cx_total").inc();
    this.open.add(down);
    down.on("error", () => undefined);
    let logged = false;
    const log = () => {
      if (logged) return;
      logged = true;
      this.open.delete(down);
      const entry: AccessLogEntry = {
        startTime: start,
        requestHeader: () => undefined,
        responseFlags: flags.toString(),
        bytesReceived: rx,
        bytesSent: tx,
        durationMs: performance.now() - t0,
        upstreamHost,
        upstreamCluster: clusterName,
        downstreamLocalAddress: `${info.localAddress}:${info.localPort}`,
        downstreamRemoteAddress: `${info.remoteAddress}:${info.remotePort}`,
        requestedServerName: info.sni,
      };
      for (const f of this.logs) this.ctx.accessLog(f(entry));
    };
    down.once("close", log);
    if (!cluster) {
      flags.add("NC");
      down.destroy();
      return;
    }
    const host = cluster.pick({ downstream: info });
    if (!host) {
      flags.add("UH");
      cluster.stat("upstream_cx_none_healthy").inc();
      down.destroy();
      return;
    }
    upstreamHost = host.key;
    cluster.stat("upstream_cx_total").inc();
    const target = {
      host: host.address,
      port: host.port,
      localAddress: cluster.sourceAddress(host.address),
    };
    // Upstream bytes land in one buffer per connection instead of a fresh 64 KiB allocation per
    // read: that churn of external memory forced a full GC every few hundred MiB, and a full GC
    // walks the whole proxy heap. A write the kernel takes at once frees the buffer for the next
    // read; otherwise reading pauses until that write completes.
    const upstreamToDownstream = (n: number, buf: Uint8Array): boolean => {
      tx += n;
      if (down.destroyed) return false;
      down.write(buf.subarray(0, n), () => up.resume());
      return down.writableLength === 0;
    };
    const up: net.Socket = cluster.tls
      ? tls.connect({ ...cluster.tls, ...target })
      : net.connect({
          ...target,
          onread: { buffer: Buffer.allocUnsafe(READ_BUFFER), callback: upstreamToDownstream },
        });
    const connectTimer = setTimeout(
      () => up.destroy(new Error("connect timeout")),
      cluster.connectTimeoutMs,
    );
    let connected = false;
    up.once(cluster.tls ? "secureConnect" : "connect", () => {
      connected = true;
      clearTimeout(connectTimer);
      up.setNoDelay(true);
    });
    up.on("error", () => {
      if (!connected) {
        flags.add("UF");
        cluster.stat("upstream_cx_connect_fail").inc();
      }
      down.destroy();
    });
    down.on("data", (c: Buffer) => {
      rx += c.length;
    });
    const idle = () => {
      flags.add("DT");
      up.destroy();
      down.destroy();
    };
    up.setTimeout(this.idleMs, idle);
    down.pipe(up);
    if (cluster.tls) {
      // tls.connect takes no onread: a TLS upstream stays a plain pipe
      up.on("data", (c: Buffer) => {
        tx += c.length;
      });
      up.pipe(down);
    } else up.once("end", () => down.end());
    down.once("close", () => up.destroy());
    up.once("close", () => {
      clearTimeout(connectTimer);
      if (!down.destroyed) down.end();
    });
    down.resume();
  }

  /** Connections are closed at the end of a drain: TCP has no way to ask a client to go. */
  closeAll(): void {
    for (const d of this.open) d.destroy();
  }

  activeConnections(): number {
    return this.open.size;
  }
}
