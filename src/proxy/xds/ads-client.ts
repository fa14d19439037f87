// The proxy's ADS client (SotW or Delta over one gRPC stream). Subscribes CDS then EDS, and only
// after clusters are warm LDS then RDS/SDS (Envoy's make-before-break order). Each response is
// validated and applied whole, then ACKed; a bad one is NACKed with the error detail and the last
// good config stays. A broken stream reconnects with jittered exponential backoff and resumes
// from the versions it had.

import * as grpc from "@grpc/grpc-js";
import {
  ADS_SERVICE,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
  type EnvoyNode,
  type JsonObject,
  TYPE_URL,
  XDS_SHORT_NAME,
} from "../../envoy/index.ts";
import type {
  Cluster,
  ClusterLoadAssignment,
  Listener,
  RouteConfiguration,
  Secret,
} from "../config-types.ts";
import { parseDurationMs } from "../duration.ts";
import type { ApplyResult, ProxyServer } from "../proxy.ts";

export interface AdsClientOptions {
  readonly target: string;
  readonly node: EnvoyNode;
  readonly delta: boolean;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** initial_fetch_timeout of the bootstrap's cds_config / lds_config (Envoy's default 15 s). */
  readonly cdsInitialFetchTimeout?: string;
  readonly ldsInitialFetchTimeout?: string;
  /** Subscribes to Istio's NameTable (DNS capture) and hands each one over. */
  readonly onNameTable?: (table: JsonObject) => void;
}

/** Envoy's ConfigSource.initial_fetch_timeout: default 15 s, 0 waits forever. */
export function initialFetchTimeoutMs(t: string | undefined): number {
  return parseDurationMs(t, 15_000);
}

const ORDER = [
  TYPE_URL.CLUSTER,
  TYPE_URL.CLUSTER_LOAD_ASSIGNMENT,
  TYPE_URL.LISTENER,
  TYPE_URL.ROUTE_CONFIGURATION,
  TYPE_URL.SECRET,
] as const;
/**
 * As Envoy's gRPC client: no limit on a response's size (a 5,000-service CDS response is ~9 MiB,
 * past grpc-js's 4 MiB default) and a 256 MiB HTTP/2 window (Envoy's default
 * initial_stream_window_size), so a large push is not paced by WINDOW_UPDATE round trips.
 */
export const ADS_CHANNEL_OPTIONS = {
  "grpc.max_receive_message_length": -1,
  "grpc-node.flow_control_window": 256 * 1024 * 1024,
} as const;

const WILDCARD = new Set<string>([TYPE_URL.CLUSTER, TYPE_URL.LISTENER, TYPE_URL.NAME_TABLE]);

interface TypeState {
  /** Last accepted version (SotW) / per-resource versions (Delta). */
  version: string;
  resourceVersions: Map<string, string>;
  nonce: string;
  /** Names subscribed to; undefined = wildcard. */
  names: Set<string> | undefined;
  requested: boolean;
  received: boolean;
  /** The first response did not come within initial_fetch_timeout: initialization went on. */
  timedOut: boolean;
}

type AnyStream = grpc.ClientDuplexStream<
  DiscoveryRequest | DeltaDiscoveryRequest,
  DiscoveryResponse | DeltaDiscoveryResponse
>;

function nameOf(r: JsonObject): string {
  return String(r.name ?? r.cluster_name ?? "");
}

function strip(r: JsonObject): JsonObject {
  const { "@type": _t, ...rest } = r;
  return rest;
}

export class AdsClient {
  readonly initialized: Promise<void>;
  private markInit!: () => void;
  private isInit = false;
  private readonly proxy: ProxyServer;
  private readonly opts: AdsClientOptions;
  private readonly client: grpc.Client & Record<string, () => AnyStream>;
  private stream: AnyStream | undefined;
  private readonly state = new Map<string, TypeState>();
  private queue: Promise<void> = Promise.resolve();
  private backoffMs: number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private firstOnStream = true;
  private readonly fetchTimers = new Set<NodeJS.Timeout>();
  /** EDS clusters whose initial fetch timer runs (or ran). */
  private readonly edsTimed = new WeakSet<object>();
  /** Counters tests and /stats read: acks and nacks sent, per short type name. */
  readonly sent = { ack: 0, nack: 0 };
  lastNack: string | undefined;

  constructor(proxy: ProxyServer, opts: AdsClientOptions) {
    this.proxy = proxy;
    this.opts = opts;
    this.backoffMs = opts.initialBackoffMs ?? 500;
    const Ctor = grpc.makeGenericClientConstructor(ADS_SERVICE, "AggregatedDiscoveryService");
    this.client = new Ctor(
      opts.target,
      grpc.credentials.createInsecure(),
      ADS_CHANNEL_OPTIONS,
    ) as typeof this.client;
    this.initialized = new Promise((r) => {
      this.markInit = r;
    });
    for (const t of opts.onNameTable ? [...ORDER, TYPE_URL.NAME_TABLE] : ORDER) {
      this.state.set(t, {
        version: "",
        resourceVersions: new Map(),
        nonce: "",
        names: WILDCARD.has(t) ? undefined : new Set(),
        requested: false,
        received: false,
        timedOut: false,
      });
    }
  }

  start(): void {
    if (this.stopped) return;
    const method = this.opts.delta ? "DeltaAggregatedResources" : "StreamAggregatedResources";
    const stream = this.client[method]();
    this.stream = stream;
    this.firstOnStream = true;
    for (const s of this.state.values()) {
      s.requested = false;
      s.nonce = "";
    }
    stream.on("data", (res: DiscoveryResponse | DeltaDiscoveryResponse) => {
      this.backoffMs = this.opts.initialBackoffMs ?? 500;
      this.queue = this.queue
        .then(() =>
          this.opts.delta
            ? this.onDelta(res as DeltaDiscoveryResponse)
            : this.onSotw(res as DiscoveryResponse),
        )
        .catch(() => undefined);
    });
    stream.on("error", () => undefined);
    stream.on("close", () => this.reconnect(stream));
    stream.on("end", () => this.reconnect(stream));
    this.request(TYPE_URL.CLUSTER);
    this.fetchTimeout(TYPE_URL.CLUSTER, this.opts.cdsInitialFetchTimeout);
    // the name table depends on nothing and holds nothing back
    if (this.opts.onNameTable) this.request(TYPE_URL.NAME_TABLE);
    // secrets do not depend on clusters; ask for the ones static resources need right away
    this.updateSubscription(TYPE_URL.SECRET, this.proxy.secretNames());
  }

  private reconnect(stream: AnyStream): void {
    if (this.stream !== stream || this.stopped) return;
    this.stream = undefined;
    const delay = this.backoffMs * (0.5 + Math.random() * 0.5);
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs ?? 30_000);
    this.proxy.stats.counter({ prefix: "control_plane" }, "reconnects").inc();
    this.timer = setTimeout(() => this.start(), delay);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const t of this.fetchTimers) clearTimeout(t);
    this.stream?.cancel();
    this.client.close();
  }

  private write(msg: DiscoveryRequest | DeltaDiscoveryRequest): void {
    if (!this.stream) return;
    if (this.firstOnStream) {
      msg.node = this.opts.node;
      this.firstOnStream = false;
    }
    this.stream.write(msg);
  }

  /** (Re)sends the subscription for a type: initial request or a change of names. */
  private request(typeUrl: string, errorDetail?: string): void {
    const s = this.state.get(typeUrl)!;
    s.requested = true;
    const names = s.names ? [...s.names].sort() : [];
    if (this.opts.delta) {
      const msg: DeltaDiscoveryRequest = {
        type_url: typeUrl,
        response_nonce: s.nonce || undefined,
      };
      if (!s.nonce) {
        msg.resource_names_subscribe = names;
        if (s.resourceVersions.size)
          msg.initial_resource_versions = Object.fromEntries(s.resourceVersions);
      }
      if (errorDetail) msg.error_detail = { code: 3, message: errorDetail };
      this.write(msg);
      return;
    }
    const msg: DiscoveryRequest = {
      type_url: typeUrl,
      version_info: s.version,
      resource_names: names,
      response_nonce: s.nonce || undefined,
    };
    if (errorDetail) msg.error_detail = { code: 3, message: errorDetail };
    this.write(msg);
  }

  private updateSubscription(typeUrl: string, names: string[]): void {
    const s = this.state.get(typeUrl)!;
    const next = new Set(names);
    const same =
      s.names !== undefined &&
      s.names.size === next.size &&
      [...next].every((n) => s.names!.has(n));
    if (same && s.requested) return;
    if (this.opts.delta && s.requested) {
      const sub = names.filter((n) => !s.names!.has(n));
      const unsub = [...s.names!].filter((n) => !next.has(n));
      s.names = next;
      if (sub.length || unsub.length)
        this.write({
          type_url: typeUrl,
          resource_names_subscribe: sub,
          resource_names_unsubscribe: unsub,
        });
      return;
    }
    s.names = next;
    if (next.size === 0 && !s.requested) return;
    this.request(typeUrl);
  }

  private async apply(
    typeUrl: string,
    resources: JsonObject[],
    version: string,
    removed: string[],
    full: boolean,
  ): Promise<ApplyResult> {
    const bad = resources.find((r) => r["@type"] !== typeUrl);
    if (bad)
      return {
        errors: [`resource ${nameOf(bad)}: type ${String(bad["@type"])} in a ${typeUrl} response`],
      };
    const list = resources.map(strip);
    const p = this.proxy;
    switch (typeUrl) {
      case TYPE_URL.CLUSTER:
        return p.applyClusters(list as Cluster[], version, removed, full);
      case TYPE_URL.CLUSTER_LOAD_ASSIGNMENT:
        return p.applyEndpoints(list as ClusterLoadAssignment[], version, removed);
      case TYPE_URL.LISTENER:
        return p.applyListeners(list as Listener[], version, removed, full);
      case TYPE_URL.ROUTE_CONFIGURATION:
        return p.applyRoutes(list as RouteConfiguration[], version, removed);
      case TYPE_URL.SECRET:
        return p.applySecrets(list as Secret[], version, removed);
      case TYPE_URL.NAME_TABLE:
        this.opts.onNameTable?.(list[0] ?? {});
        return { errors: [] };
      default:
        return { errors: [`unsupported type ${typeUrl}`] };
    }
  }

  private stat(typeUrl: string, suffix: string): void {
    this.proxy.stats
      .counter({ prefix: `cluster_manager.${XDS_SHORT_NAME[typeUrl] ?? "xds"}` }, suffix)
      .inc();
  }

  private async onSotw(res: DiscoveryResponse): Promise<void> {
    const typeUrl = res.type_url ?? "";
    const s = this.state.get(typeUrl);
    if (!s) return;
    s.nonce = res.nonce ?? "";
    const version = res.version_info ?? "";
    const resources = (res.resources ?? []) as JsonObject[];
    const result = await this.apply(typeUrl, resources, version, [], WILDCARD.has(typeUrl));
    this.afterApply(typeUrl, s, version, result);
  }

  private async onDelta(res: DeltaDiscoveryResponse): Promise<void> {
    const typeUrl = res.type_url ?? "";
    const s = this.state.get(typeUrl);
    if (!s) return;
    s.nonce = res.nonce ?? "";
    const version = res.system_version_info ?? "";
    const items = res.resources ?? [];
    const resources = items.map((r) => r.resource as JsonObject).filter(Boolean);
    const result = await this.apply(
      typeUrl,
      resources,
      version,
      res.removed_resources ?? [],
      false,
    );
    if (!result.errors.length) {
      for (const r of items) if (r.name) s.resourceVersions.set(r.name, r.version ?? "");
      for (const n of res.removed_resources ?? []) s.resourceVersions.delete(n);
    }
    this.afterApply(typeUrl, s, version, result);
  }

  private afterApply(typeUrl: string, s: TypeState, version: string, result: ApplyResult): void {
    if (result.errors.length) {
      this.lastNack = result.errors.join("; ");
      this.sent.nack++;
      this.stat(typeUrl, "update_rejected");
      this.request(typeUrl, this.lastNack);
    } else {
      s.version = version;
      s.received = true;
      this.sent.ack++;
      this.stat(typeUrl, "update_success");
      this.request(typeUrl);
    }
    this.advance();
  }

  /**
   * Envoy's initial_fetch_timeout for a type's first response: when it passes, initialization
   * goes on as if an empty response had come (counted as `<type>.init_fetch_timeout`).
   */
  private fetchTimeout(typeUrl: string, timeout: string | undefined): void {
    const s = this.state.get(typeUrl)!;
    const ms = initialFetchTimeoutMs(timeout);
    if (ms <= 0 || s.received || this.isInit) return;
    const t = setTimeout(() => {
      this.fetchTimers.delete(t);
      if (s.received || this.stopped) return;
      s.timedOut = true;
      this.stat(typeUrl, "init_fetch_timeout");
      this.advance();
    }, ms);
    t.unref();
    this.fetchTimers.add(t);
  }

  /** Each EDS cluster still waiting for its assignment gets its eds_config's initial fetch timeout. */
  private edsFetchTimeouts(): void {
    for (const c of this.proxy.clusters.all()) {
      if (c.initialized || !c.edsName || this.edsTimed.has(c)) continue;
      this.edsTimed.add(c);
      const ms = initialFetchTimeoutMs(
        c.config.eds_cluster_config?.eds_config?.initial_fetch_timeout,
      );
      if (ms <= 0) continue;
      const t = setTimeout(() => {
        this.fetchTimers.delete(t);
        if (c.initialized || this.stopped) return;
        c.initialized = true; // warm with no endpoints, as Envoy does
        c.stat("init_fetch_timeout").inc();
        this.advance();
      }, ms);
      t.unref();
      this.fetchTimers.add(t);
    }
  }

  /** Moves the subscriptions forward in Envoy's order and notices when initialization is done. */
  private advance(): void {
    const st = (t: string) => this.state.get(t)!;
    const done = (t: string) => st(t).received || st(t).timedOut;
    if (!done(TYPE_URL.CLUSTER)) return;
    this.updateSubscription(TYPE_URL.CLUSTER_LOAD_ASSIGNMENT, this.proxy.clusters.edsNames());
    this.updateSubscription(TYPE_URL.SECRET, this.proxy.secretNames());
    this.edsFetchTimeouts();
    const clustersWarm = this.proxy.clusters.all().every((c) => c.initialized);
    if (!st(TYPE_URL.LISTENER).requested && clustersWarm) {
      this.request(TYPE_URL.LISTENER);
      this.fetchTimeout(TYPE_URL.LISTENER, this.opts.ldsInitialFetchTimeout);
    }
    if (!done(TYPE_URL.LISTENER)) return;
    const rds = st(TYPE_URL.ROUTE_CONFIGURATION);
    const rdsFirst = !rds.requested;
    this.updateSubscription(TYPE_URL.ROUTE_CONFIGURATION, this.proxy.rdsNames());
    // the HCMs' rds.config_source is not kept per name, so RDS waits Envoy's default
    if (rdsFirst && rds.requested) this.fetchTimeout(TYPE_URL.ROUTE_CONFIGURATION, undefined);
    const routesIn = this.proxy.rdsNames().every((n) => this.proxy.resources.get("route", n));
    // with DNS capture the app must not start before its names resolve
    const namesIn = !this.opts.onNameTable || st(TYPE_URL.NAME_TABLE).received;
    if (!this.isInit && (routesIn || rds.received || rds.timedOut) && namesIn) {
      this.isInit = true;
      this.markInit();
    }
  }
}
