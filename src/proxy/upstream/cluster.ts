// One upstream cluster at run time: its hosts (static, DNS or EDS), load balancer, circuit-breaker
// thresholds, protocol and TLS, and a connection pool per host. Built from a Cluster resource;
// a changed resource builds a new one and the old one's pools drain.

import { lookup } from "node:dns/promises";
import type { ConnectionOptions } from "node:tls";
import { clusterScope, ScopedStats, type StatsStore } from "../../telemetry/stats.ts";
import type { Cluster, ClusterLoadAssignment } from "../config-types.ts";
import { parseDurationMs } from "../duration.ts";
import { type SecretLookup, upstreamTlsOptions } from "../tls-context.ts";
import { bindConfigSources, type SourceAddressFor } from "./bind-config.ts";
import { type Host, hostsFromAssignment, overprovisioningFactor } from "./endpoints.ts";
import { HealthChecker, validateHealthChecks } from "./health-checker.ts";
import { Http1Pool } from "./http1-pool.ts";
import { Http2Pool } from "./http2-pool.ts";
import { type LoadBalancer, newLoadBalancer } from "./load-balancer.ts";
import { type OriginalDstContext, OriginalDstLb } from "./original-dst-lb.ts";
import { OutlierDetector } from "./outlier-detection.ts";
import { PrioritySet } from "./priority-set.ts";

/** What a request brings to host selection (ORIGINAL_DST clusters: where it was headed). */
export interface PickContext extends OriginalDstContext {
  /** The route's hash_policy result, for RING_HASH and MAGLEV. */
  readonly hash?: number;
  /** Hosts a retry should avoid (previous_hosts), tried up to `maxAttempts` picks. */
  readonly avoid?: ReadonlySet<string>;
  readonly maxAttempts?: number;
}

export type UpstreamProtocol = "http1" | "http2" | "downstream";

const SUPPORTED_TYPES = new Set(["STATIC", "STRICT_DNS", "LOGICAL_DNS", "EDS", "ORIGINAL_DST"]);
const HTTP_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

export interface Thresholds {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  readonly maxRetries: number;
}

/** common_http_protocol_options (or the deprecated cluster field): per-connection limits. */
function connectionLimits(c: Cluster): {
  maxRequestsPerConnection?: number;
  idleTimeoutMs?: number;
} {
  const opts = c.typed_extension_protocol_options?.[HTTP_OPTIONS] as
    | {
        common_http_protocol_options?: {
          max_requests_per_connection?: number;
          idle_timeout?: string;
        };
      }
    | undefined;
  const common = opts?.common_http_protocol_options;
  const idle = common?.idle_timeout;
  return {
    maxRequestsPerConnection:
      common?.max_requests_per_connection ?? c.max_requests_per_connection ?? undefined,
    // Envoy's default idle timeout is 1 h; 0 disables it
    idleTimeoutMs: idle === undefined ? undefined : parseDurationMs(idle, 0) || 3_600_000 * 24,
  };
}

function protocolOf(c: Cluster): UpstreamProtocol {
  const opts = c.typed_extension_protocol_options?.[HTTP_OPTIONS] as
    | Record<string, unknown>
    | undefined;
  if (opts?.use_downstream_protocol_config) return "downstream";
  const explicit = opts?.explicit_http_config as Record<string, unknown> | undefined;
  if (explicit?.http2_protocol_options) return "http2";
  if (explicit) return "http1";
  if (c.http2_protocol_options) return "http2";
  return "http1";
}

export class UpstreamCluster {
  readonly name: string;
  readonly config: Cluster;
  readonly type: string;
  readonly connectTimeoutMs: number;
  readonly protocol: UpstreamProtocol;
  readonly thresholds: Thresholds;
  readonly tls: ConnectionOptions | undefined;
  /** upstream_bind_config: the source address of connections to a host. */
  readonly sourceAddress: SourceAddressFor;
  /** EDS service name (or the cluster name) this cluster's endpoints come under. */
  readonly edsName: string | undefined;
  hosts: Host[] = [];
  private prioritySet: PrioritySet;
  private overprovisioning = 1.4;
  /** RING_HASH or MAGLEV: the router computes the route's hash_policy for these. */
  readonly hashing: boolean;
  initialized: boolean;
  activeRequests = 0;
  /** Retries in flight, for the max_retries circuit breaker. */
  activeRetries = 0;
  private readonly lb: LoadBalancer;
  private readonly originalDst: OriginalDstLb | undefined;
  private readonly h1 = new Map<string, Http1Pool>();
  private readonly h2 = new Map<string, Http2Pool>();
  private dnsTimer: NodeJS.Timeout | undefined;
  /** Set once the cluster is installed (start), so a cluster built only to validate has no timers. */
  outlier: OutlierDetector | undefined;
  private healthChecker: HealthChecker | undefined;
  private readonly scoped: ScopedStats;
  private closed = false;

  constructor(config: Cluster, stats: StatsStore, secrets: SecretLookup) {
    const name = config.name ?? "";
    const what = `Cluster ${name}`;
    if (!name) throw new Error(`Cluster: name is required`);
    this.name = name;
    this.config = config;
    this.type = config.cluster_type ? "CUSTOM" : (config.type ?? "STATIC");
    if (!SUPPORTED_TYPES.has(this.type)) {
      throw new Error(
        `${what}: type ${this.type}${config.cluster_type ? ` (${config.cluster_type.name})` : ""} is not supported`,
      );
    }
    this.connectTimeoutMs = parseDurationMs(config.connect_timeout, 5000);
    this.protocol = protocolOf(config);
    const t = config.circuit_breakers?.thresholds?.find(
      (x) => (x.priority ?? "DEFAULT") === "DEFAULT",
    );
    this.thresholds = {
      maxConnections: t?.max_connections ?? 1024,
      maxPendingRequests: t?.max_pending_requests ?? 1024,
      maxRequests: t?.max_requests ?? 1024,
      maxRetries: t?.max_retries ?? 3,
    };
    const ts = config.transport_socket;
    const tsType = ts?.typed_config?.["@type"];
    if (tsType?.endsWith(".UpstreamTlsContext")) {
      this.tls = upstreamTlsOptions(
        ts!.typed_config!,
        secrets,
        `${what}.transport_socket.typed_config`,
      );
    } else if (tsType && !tsType.endsWith(".RawBuffer")) {
      throw new Error(`${what}.transport_socket: ${tsType} is not supported`);
    }
    const checks = config.health_checks ?? [];
    validateHealthChecks(checks, what);
    if (checks.length > 1) throw new Error(`${what}.health_checks: at most one is supported`);
    this.lb = newLoadBalancer(config);
    this.hashing = config.lb_policy === "RING_HASH" || config.lb_policy === "MAGLEV";
    this.prioritySet = this.buildPrioritySet();
    this.sourceAddress = bindConfigSources(config) ?? (() => undefined);
    this.originalDst =
      this.type === "ORIGINAL_DST" ? new OriginalDstLb(config, (h) => this.setHosts(h)) : undefined;
    this.scoped = new ScopedStats(stats, clusterScope(name));
    this.edsName =
      this.type === "EDS" ? config.eds_cluster_config?.service_name || name : undefined;
    if (this.type === "STATIC") {
      this.overprovisioning = overprovisioningFactor(config.load_assignment);
      this.setHosts(hostsFromAssignment(config.load_assignment, what));
    }
    if (this.type === "STRICT_DNS" || this.type === "LOGICAL_DNS") {
      this.hosts = hostsFromAssignment(config.load_assignment, what);
    }
    this.initialized = this.type === "STATIC" || this.type === "ORIGINAL_DST";
    this.stat("membership_total").set(this.hosts.length);
  }

  stat(suffix: string) {
    return suffix.startsWith("membership") || suffix.endsWith("_active")
      ? this.scoped.gauge(suffix)
      : this.scoped.counter(suffix);
  }

  countResponse(status: number): void {
    this.scoped.countCode("upstream_rq", status);
    this.stat("upstream_rq_completed").inc();
  }

  /**
   * Starts outlier detection, health checking (resolving after the first round, as Envoy warms a
   * cluster) and DNS resolution (resolving once the first lookups are done).
   */
  async start(): Promise<void> {
    if (this.config.outlier_detection) {
      this.outlier = new OutlierDetector(this.config.outlier_detection, this);
    }
    const check = this.config.health_checks?.[0];
    if (check) {
      this.healthChecker = new HealthChecker(check, this);
      await this.healthChecker.start();
    }
    if (this.type !== "STRICT_DNS" && this.type !== "LOGICAL_DNS") return;
    const templates = this.hosts;
    const refresh = parseDurationMs(this.config.dns_refresh_rate, 5000);
    const resolve = async () => {
      const next: Host[] = [];
      for (const t of templates) {
        try {
          const all = await lookup(t.address, {
            all: true,
            family:
              this.config.dns_lookup_family === "V6_ONLY"
                ? 6
                : this.config.dns_lookup_family === "V4_ONLY"
                  ? 4
                  : 0,
          });
          const addrs = this.type === "LOGICAL_DNS" ? all.slice(0, 1) : all;
          for (const a of addrs) {
            next.push({
              ...t,
              key: `${a.address}:${t.port}`,
              address: a.address,
              hostname: t.address,
              activeRequests: 0,
              totalRequests: 0,
            });
          }
        } catch {
          this.stat("update_failure").inc();
        }
      }
      if (!this.closed) this.setHosts(next);
    };
    await resolve();
    this.initialized = true;
    this.dnsTimer = setInterval(() => void resolve(), Math.max(refresh, 100));
    this.dnsTimer.unref();
  }

  applyAssignment(cla: ClusterLoadAssignment): void {
    this.overprovisioning = overprovisioningFactor(cla);
    this.setHosts(hostsFromAssignment(cla, `ClusterLoadAssignment ${cla.cluster_name ?? ""}`));
    this.initialized = true;
  }

  setHosts(hosts: Host[]): void {
    const old = new Map(this.hosts.map((h) => [h.key, h]));
    // keep per-host counters and health across updates: least-request stays accurate and an
    // ejected or failing host stays so when EDS re-sends it
    this.hosts = hosts.map((h) => {
      const prev = old.get(h.key);
      if (prev) {
        h.activeRequests = prev.activeRequests;
        h.totalRequests = prev.totalRequests;
        h.failedActiveHc = prev.failedActiveHc;
        h.failedOutlierCheck = prev.failedOutlierCheck;
      }
      return h;
    });
    void this.healthChecker?.onHosts();
    this.refreshHealth();
    const keep = new Set(this.hosts.map((h) => h.key));
    for (const [k, p] of this.h1) if (!keep.has(k)) void p.close().then(() => this.h1.delete(k));
    for (const [k, p] of this.h2) if (!keep.has(k)) void p.close().then(() => this.h2.delete(k));
    this.stat("membership_total").set(this.hosts.length);
  }

  private buildPrioritySet(): PrioritySet {
    const common = this.config.common_lb_config;
    return new PrioritySet(this.hosts ?? [], {
      overprovisioning: this.overprovisioning,
      panicThreshold: common?.healthy_panic_threshold?.value ?? 50,
      localityWeighted: common?.locality_weighted_lb_config !== undefined,
    });
  }

  /** Recomputes the priority set after membership or a host's health flags changed. */
  refreshHealth(): void {
    this.prioritySet = this.buildPrioritySet();
    this.stat("membership_healthy").set(this.prioritySet.healthyCount);
  }

  pick(ctx: PickContext = {}): Host | undefined {
    if (this.originalDst) return this.originalDst.pick(ctx);
    const attempts = ctx.avoid?.size ? Math.max(1, ctx.maxAttempts ?? 1) : 1;
    let host: Host | undefined;
    for (let i = 0; i < attempts; i++) {
      // a retry re-picks; for hash balancers the hash moves so the retry can land elsewhere
      const hash = ctx.hash === undefined ? undefined : (ctx.hash + i * 0x9e3779b9) >>> 0;
      const hosts =
        hash === undefined
          ? this.prioritySet.choose(Math.random(), Math.random())
          : this.prioritySet.choose(hash / 0x100000000);
      host = this.lb.pick(hosts, hash) as Host | undefined;
      if (!host || !ctx.avoid?.has(host.key)) return host;
    }
    return host;
  }

  http1(host: { key: string; address: string; port: number }): Http1Pool {
    let p = this.h1.get(host.key);
    if (!p) {
      p = new Http1Pool(host.address, host.port, {
        connectTimeoutMs: this.connectTimeoutMs,
        maxConnections: this.thresholds.maxConnections,
        tls: this.tls,
        localAddress: this.sourceAddress(host.address),
        ...connectionLimits(this.config),
      });
      this.h1.set(host.key, p);
    }
    return p;
  }

  http2(host: { key: string; address: string; port: number }): Http2Pool {
    let p = this.h2.get(host.key);
    if (!p) {
      p = new Http2Pool(host.address, host.port, {
        connectTimeoutMs: this.connectTimeoutMs,
        tls: this.tls,
        localAddress: this.sourceAddress(host.address),
        ...connectionLimits(this.config),
      });
      this.h2.set(host.key, p);
    }
    return p;
  }

  /** Stops DNS and lets pools finish in-flight requests (drain), then closes them. */
  private stopChecks(): void {
    this.outlier?.stop();
    this.healthChecker?.stop();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopChecks();
    if (this.dnsTimer) clearInterval(this.dnsTimer);
    this.originalDst?.close();
    await Promise.all([...this.h1.values(), ...this.h2.values()].map((p) => p.close()));
  }

  destroy(): void {
    this.closed = true;
    this.stopChecks();
    if (this.dnsTimer) clearInterval(this.dnsTimer);
    this.originalDst?.close();
    for (const p of [...this.h1.values(), ...this.h2.values()]) p.destroy();
  }
}
