// envoy.filters.network.http_connection_manager: owns the HTTP codecs of a filter chain (HTTP/1.1,
// HTTP/2 prior knowledge, or AUTO by sniffing the preface), runs each request through path
// checks, request-id/XFF handling, route lookup, the HTTP filter chain and the router, then writes
// the access log and stats. Connections are tracked so a listener change can drain them.

import type http2 from "node:http2";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { TYPE_URL } from "../../../envoy/index.ts";
import { compileAccessLogFormat, ENVOY_DEFAULT_FORMAT } from "../../../telemetry/access-log.ts";
import { httpScope, ScopedStats, type StatsStore } from "../../../telemetry/stats.ts";
import type { NamedTyped, RouteConfiguration, TypedConfig } from "../../config-types.ts";
import { parseDurationMs } from "../../duration.ts";
import { type Http1Handler, type Http1Options, serveHttp1 } from "../../http/codec-http1.ts";
import { attachHttp2, createHttp2Server } from "../../http/codec-http2.ts";
import type { DownstreamInfo, HttpStream } from "../../http/stream.ts";
import { peek } from "../../listener/peek.ts";
import { RouteTable } from "../../routing/route-table.ts";
import type { ClusterManager } from "../../upstream/cluster-manager.ts";
import type { HttpFilter } from "../http/filter.ts";
import { HTTP_FILTERS } from "../http/registry.ts";
import { Router } from "../http/router.ts";
import { unwrapTypedStruct } from "../http/typed-struct.ts";
import { processStream } from "./hcm-stream.ts";
import { proxyUpgrade } from "./hcm-upgrade.ts";

export interface HcmContext {
  readonly stats: StatsStore;
  readonly clusters: ClusterManager;
  /** RDS-delivered route configs by name. */
  routeConfig(name: string): RouteTable | undefined;
  accessLog(line: string): void;
}

type Obj = Record<string, unknown>;

export interface HcmConfig {
  readonly statPrefix: string;
  readonly codec: string;
  readonly rdsName: string | undefined;
  readonly inlineRoutes: RouteTable | undefined;
  readonly filters: readonly HttpFilter[];
  readonly accessLogs: readonly ((s: HttpStream) => void)[];
  readonly useRemoteAddress: boolean;
  readonly skipXffAppend: boolean;
  readonly generateRequestId: boolean;
  readonly preserveExternalRequestId: boolean;
  readonly alwaysSetRequestIdInResponse: boolean;
  readonly serverName: string;
  readonly serverHeader: string;
  readonly normalizePath: boolean;
  readonly mergeSlashes: boolean;
  readonly escapedSlashes: string;
  readonly stripPort: "any" | "matching" | "none";
  readonly websocket: boolean;
  readonly maxHeadersCount: number;
  readonly maxHeaderBytes: number;
  readonly idleTimeoutMs: number;
  readonly requestHeadersTimeoutMs: number;
  readonly acceptHttp10: boolean;
  readonly defaultHostForHttp10: string | undefined;
  readonly http2: Obj;
}

function compileAccessLogs(list: NamedTyped[] | undefined, ctx: HcmContext, path: string) {
  return (list ?? []).map((al, i) => {
    const tc = (al.typed_config ?? {}) as Obj;
    const type = String(tc["@type"] ?? "");
    if (
      ![TYPE_URL.FILE_ACCESS_LOG, TYPE_URL.STDOUT_ACCESS_LOG, TYPE_URL.STDERR_ACCESS_LOG].includes(
        type as never,
      )
    ) {
      throw new Error(
        `${path}.access_log[${i}].typed_config: ${type || "(none)"} is not supported`,
      );
    }
    const lf = tc.log_format as Obj | undefined;
    const src = (lf?.text_format_source as Obj | undefined)?.inline_string ?? tc.format;
    const fmt = compileAccessLogFormat(typeof src === "string" ? src : ENVOY_DEFAULT_FORMAT);
    return (s: HttpStream) => ctx.accessLog(fmt(s.logEntry()));
  });
}

export function compileHcm(tc: TypedConfig, ctx: HcmContext, path: string): HcmConfig {
  const c = tc as Obj;
  const statPrefix = String(c.stat_prefix ?? "");
  if (!statPrefix) throw new Error(`${path}.stat_prefix: required`);
  const rds = c.rds as Obj | undefined;
  const inline = c.route_config as RouteConfiguration | undefined;
  if (!rds && !inline) throw new Error(`${path}: one of rds or route_config is required`);
  const httpFilters = (c.http_filters as NamedTyped[] | undefined) ?? [];
  const filters: HttpFilter[] = [];
  httpFilters.forEach((f, i) => {
    const fp = `${path}.http_filters[${i}]`;
    const tc = f.typed_config && unwrapTypedStruct(f.typed_config, `${fp}.typed_config`);
    const type = tc?.["@type"] ?? "";
    const factory = HTTP_FILTERS.get(type);
    if (!factory) {
      if (f.is_optional) return;
      throw new Error(
        `${fp}: HTTP filter ${f.name ?? ""} (${type || "no typed_config"}) is not supported`,
      );
    }
    if (f.disabled) return;
    filters.push(
      factory.create(f.name ?? "", tc!, `${fp}.typed_config`, {
        stats: ctx.stats,
        clusters: ctx.clusters,
        statPrefix,
      }),
    );
  });
  const last = httpFilters.at(-1);
  if (!last || last.typed_config?.["@type"] !== TYPE_URL.ROUTER) {
    throw new Error(`${path}.http_filters: the router filter must be last`);
  }
  const common = (c.common_http_protocol_options as Obj | undefined) ?? {};
  const upgrades = (c.upgrade_configs as Obj[] | undefined) ?? [];
  return {
    statPrefix,
    codec: String(c.codec_type ?? "AUTO"),
    rdsName: rds ? String(rds.route_config_name ?? "") : undefined,
    inlineRoutes: inline ? new RouteTable(inline) : undefined,
    filters: filters.slice(0, -1),
    accessLogs: compileAccessLogs(c.access_log as NamedTyped[] | undefined, ctx, path),
    useRemoteAddress: c.use_remote_address === true,
    skipXffAppend: c.skip_xff_append === true,
    generateRequestId: c.generate_request_id !== false,
    preserveExternalRequestId: c.preserve_external_request_id === true,
    alwaysSetRequestIdInResponse: c.always_set_request_id_in_response === true,
    serverName: String(c.server_name ?? "envoy"),
    serverHeader: String(c.server_header_transformation ?? "OVERWRITE"),
    normalizePath: c.normalize_path === true,
    mergeSlashes: c.merge_slashes === true,
    escapedSlashes: String(c.path_with_escaped_slashes_action ?? "KEEP_UNCHANGED"),
    stripPort: c.strip_any_host_port ? "any" : c.strip_matching_host_port ? "matching" : "none",
    websocket: upgrades.some(
      (u) => String(u.upgrade_type).toLowerCase() === "websocket" && u.enabled !== false,
    ),
    maxHeadersCount: Number(common.max_headers_count ?? 100),
    maxHeaderBytes: Number(c.max_request_headers_kb ?? 60) * 1024,
    idleTimeoutMs: parseDurationMs(common.idle_timeout as string | undefined, 3_600_000),
    requestHeadersTimeoutMs: parseDurationMs(c.request_headers_timeout as string | undefined, 0),
    acceptHttp10: (c.http_protocol_options as Obj | undefined)?.accept_http_10 === true,
    defaultHostForHttp10: ((c.http_protocol_options as Obj | undefined)?.default_host_for_http_10 ??
      undefined) as string | undefined,
    http2: (c.http2_protocol_options as Obj | undefined) ?? {},
  };
}

export class HttpConnectionManager {
  readonly config: HcmConfig;
  readonly ctx: HcmContext;
  readonly router: Router;
  private readonly h1: Http1Handler;
  private readonly h1Options: Http1Options;
  private readonly h2: http2.Http2Server;
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly sockets = new Set<Duplex>();
  private draining = false;
  private readonly scoped: ScopedStats;

  constructor(config: HcmConfig, ctx: HcmContext) {
    this.config = config;
    this.ctx = ctx;
    this.scoped = new ScopedStats(ctx.stats, httpScope(config.statPrefix));
    this.router = new Router(ctx.clusters);
    const onStream = (s: HttpStream) => void processStream(this, s);
    const onProtocolError = () => this.stat("downstream_rq_rx_reset").inc();
    this.h1 = {
      onStream,
      onUpgrade: (req, socket, head, info) => void proxyUpgrade(this, req, socket, head, info),
      onProtocolError: () => this.stat("downstream_cx_protocol_error").inc(),
      onHeadersTimeout: () => this.stat("downstream_rq_header_timeout").inc(),
      onIdleTimeout: () => this.stat("downstream_cx_idle_timeout").inc(),
      isDraining: () => this.draining,
    };
    this.h1Options = {
      maxHeaderBytes: config.maxHeaderBytes,
      maxHeadersCount: config.maxHeadersCount,
      idleTimeoutMs: config.idleTimeoutMs,
      requestHeadersTimeoutMs: config.requestHeadersTimeoutMs,
      acceptHttp10: config.acceptHttp10,
      defaultHostForHttp10: config.defaultHostForHttp10,
    };
    this.h2 = createHttp2Server(
      { onStream, onProtocolError },
      {
        maxConcurrentStreams: config.http2.max_concurrent_streams as number | undefined,
        initialWindowSize: config.http2.initial_stream_window_size as number | undefined,
        maxHeaderListPairs: config.maxHeadersCount + 4,
      },
    );
    this.h2.on("session", (s: http2.ServerHttp2Session) => {
      this.sessions.add(s);
      s.once("close", () => this.sessions.delete(s));
      if (this.draining) s.close();
    });
  }

  stat(suffix: string) {
    return this.scoped.counter(suffix);
  }

  countResponse(status: number): void {
    this.scoped.countCode("downstream_rq", status);
  }

  routeTable(): RouteTable | undefined {
    return this.config.inlineRoutes ?? this.ctx.routeConfig(this.config.rdsName ?? "");
  }

  isDraining(): boolean {
    return this.draining;
  }

  /** Takes over an accepted (and possibly TLS-terminated) connection. */
  async handle(socket: Duplex, info: DownstreamInfo, alpn?: string): Promise<void> {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    socket.on("error", () => undefined);
    this.stat("downstream_cx_total").inc();
    let h2 = this.config.codec === "HTTP2" || alpn === "h2";
    if (this.config.codec === "AUTO" && !alpn && "remoteAddress" in socket) {
      const preface = "PRI * HTTP/2.0";
      const head = await peek(
        socket as Socket,
        (b) => b.length >= preface.length || !preface.startsWith(b.toString("latin1")),
        15_000,
      );
      h2 = head.toString("latin1").startsWith(preface);
    }
    // A peeked socket is paused with its bytes unshifted. The HTTP/1 codec reads them through its
    // data listener once resumed; node:http2 pulls buffered bytes itself when the session starts
    // and must not see them emitted as well.
    if (h2) attachHttp2(this.h2, socket, info);
    else serveHttp1(socket, info, this.h1, this.h1Options);
  }

  /** Starts draining: HTTP/1 responses get Connection: close, HTTP/2 sessions GOAWAY. */
  drain(): void {
    this.draining = true;
    for (const s of this.sessions) s.close();
  }

  /** Closes whatever is still open (end of the drain period). */
  closeAll(): void {
    for (const s of this.sessions) s.destroy();
    for (const s of this.sockets) s.destroy();
  }

  activeConnections(): number {
    return this.sockets.size;
  }
}
