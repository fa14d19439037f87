// The ADS server (envoy.service.discovery.v3.AggregatedDiscoveryService, SotW and Delta) on
// @grpc/grpc-js. It serves the current PushContext, pushes on config updates only to the
// proxies whose config may have changed (through a bounded push queue) and keeps per-proxy
// ACK/NACK state for the sync status API. A misbehaving stream never affects the others.

import * as grpc from "@grpc/grpc-js";
import {
  ADS_SERVICE,
  type DeltaDiscoveryRequest,
  type DiscoveryRequest,
  type EnvoyNode,
  TYPE_URL,
} from "../envoy/index.ts";
import { type ConfigUpdate, endpointsOnly, proxyNeedsPush } from "../model/changes.ts";
import { type MeshProxy, NodeError, proxyFromNode } from "../model/proxy.ts";
import type { PushContext } from "../model/push-context.ts";
import { Connection, type ConnectionStatus } from "./connection.ts";
import { onDeltaRequest, pushDelta } from "./delta.ts";
import { generate, type Resources, XDS_TYPES } from "./generators/index.ts";
import { Gate, PushQueue } from "./push-queue.ts";
import { encodeDeltaResponse, encodeSotwResponse, ResourceCache } from "./resource-cache.ts";
import { onSotwRequest, pushSotw } from "./sotw.ts";
import type { XdsContext } from "./xds-context.ts";

/**
 * ADS with responses encoded straight by protobufjs: the server only ever sends pre-packed Anys,
 * so the JSON-form walk of the shared codec (kept for requests) is not needed on the hot path.
 */
const FAST_ADS = {
  StreamAggregatedResources: {
    ...ADS_SERVICE.StreamAggregatedResources,
    responseSerialize: encodeSotwResponse,
  },
  DeltaAggregatedResources: {
    ...ADS_SERVICE.DeltaAggregatedResources,
    responseSerialize: encodeDeltaResponse,
  },
} satisfies grpc.ServiceDefinition;

/** Push order that keeps Envoy warm: clusters and endpoints before listeners and routes. */
const PUSH_ORDER = [
  TYPE_URL.CLUSTER,
  TYPE_URL.CLUSTER_LOAD_ASSIGNMENT,
  TYPE_URL.LISTENER,
  TYPE_URL.ROUTE_CONFIGURATION,
];

export interface DiscoveryServerOptions {
  /** Pushes in progress at once. */
  readonly pushConcurrency?: number;
  readonly identifier?: string;
  /** Largest request accepted, in bytes; larger ones end that stream only. */
  readonly maxRequestBytes?: number;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface XdsStats {
  pushes: number;
  acks: number;
  nacks: number;
  resourcesSent: number;
  lastPushMs: number;
}

export class DiscoveryServer {
  #push: PushContext;
  readonly #connections = new Set<Connection>();
  readonly #queue: PushQueue<Connection>;
  readonly #responses: Gate;
  readonly #cache = new ResourceCache();
  readonly #opts: DiscoveryServerOptions;
  readonly #ctx: XdsContext;
  readonly #ackWaiters = new Set<() => void>();
  #server: grpc.Server | undefined;
  #nonce = 0;
  #genCache: { push: PushContext | undefined; entries: Map<string, Resources>; logged: number } = {
    push: undefined,
    entries: new Map(),
    logged: 0,
  };
  readonly stats: XdsStats = { pushes: 0, acks: 0, nacks: 0, resourcesSent: 0, lastPushMs: 0 };

  constructor(push: PushContext, opts: DiscoveryServerOptions = {}) {
    this.#push = push;
    this.#opts = opts;
    this.#queue = new PushQueue(opts.pushConcurrency ?? 100, (c) => this.#pushConnection(c));
    this.#responses = new Gate(opts.pushConcurrency ?? 100);
    const known = new Set<string>(XDS_TYPES);
    this.#ctx = {
      identifier: opts.identifier ?? "mast-pilot",
      cache: this.#cache,
      knownType: (t) => known.has(t),
      generate: (proxy, typeUrl, names) => this.#generate(proxy, typeUrl, names),
      nextNonce: () => `${++this.#nonce}`,
      version: () => this.#push.version,
      onAck: () => {
        this.stats.acks++;
        for (const w of this.#ackWaiters) w();
      },
      onNack: (conn, typeUrl, message) => {
        this.stats.nacks++;
        this.#opts.log?.("NACK", { proxy: conn.proxy?.id, typeUrl, message });
        for (const w of this.#ackWaiters) w();
      },
      onSent: (_c, _t, n) => {
        this.stats.resourcesSent += n;
      },
      log: (msg, fields) => this.#opts.log?.(msg, fields),
    };
  }

  /**
   * Generation shared by proxies that would get identical output: same type, namespace, labels
   * (for routes and endpoints only when some config selects by label), generator and (for what
   * depends on it) workload, addresses, HCM options and locality. Valid for one snapshot.
   */
  #generate(proxy: MeshProxy, typeUrl: string, names: readonly string[] | undefined): Resources {
    if (this.#genCache.push !== this.#push)
      this.#genCache = { push: this.#push, entries: new Map(), logged: 0 };
    const l = proxy.locality;
    const perProxy = typeUrl === TYPE_URL.CLUSTER || typeUrl === TYPE_URL.LISTENER;
    const key = [
      typeUrl,
      proxy.type,
      proxy.generator ?? "",
      proxy.namespace,
      // listeners carry the workload's policies, selected by label
      perProxy ? JSON.stringify(proxy.labels) : this.#push.labelScope(proxy),
      perProxy ? proxyShape(proxy, typeUrl) : "",
      typeUrl === TYPE_URL.CLUSTER_LOAD_ASSIGNMENT ? `${l.region}/${l.zone}/${l.subzone}` : "",
      this.#push.envoyFilters.proxyKey(proxy),
      names ? names.join(",") : "*",
    ].join("|");
    let out = this.#genCache.entries.get(key);
    if (!out) {
      out = generate(proxy, this.#push, typeUrl, names);
      this.#genCache.entries.set(key, out);
      this.#logEnvoyFilterProblems();
    }
    return out;
  }

  /** EnvoyFilter patches skipped as invalid or failing: logged once per snapshot. */
  #logEnvoyFilterProblems(): void {
    const problems = this.#push.envoyFilters.problems;
    if (this.#genCache.logged === problems.length) return;
    for (const message of problems.slice(this.#genCache.logged))
      this.#opts.log?.("EnvoyFilter patch skipped", { message });
    this.#genCache.logged = problems.length;
  }

  get pushContext(): PushContext {
    return this.#push;
  }

  get connections(): readonly Connection[] {
    return [...this.#connections];
  }

  /** Starts serving on `host:port` (port 0 for ephemeral); resolves with the bound port. */
  listen(address: string): Promise<number> {
    const server = new grpc.Server({
      "grpc.max_receive_message_length": this.#opts.maxRequestBytes ?? 4 * 1024 * 1024,
      "grpc.max_send_message_length": 256 * 1024 * 1024,
      "grpc.keepalive_permit_without_calls": 1,
    });
    server.addService(FAST_ADS, {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequest, unknown>) =>
        this.#stream(call, "sotw"),
      DeltaAggregatedResources: (call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, unknown>) =>
        this.#stream(call, "delta"),
    });
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      );
    });
  }

  async close(): Promise<void> {
    for (const c of this.#connections) c.closed = true;
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.forceShutdown();
  }

  /** Installs a new snapshot and pushes to the proxies the update may affect. */
  update(push: PushContext, update: ConfigUpdate): number {
    const started = performance.now();
    const prev = this.#push;
    this.#push = push;
    if (endpointsOnly(update) && this.#genCache.push === prev) {
      // Only endpoints changed: what was generated for the other types stands (the same
      // objects, so their prepared sets are reused and unchanged types are not resent).
      const eds = `${TYPE_URL.CLUSTER_LOAD_ASSIGNMENT}|`;
      const kept = [...this.#genCache.entries].filter(([k]) => !k.startsWith(eds));
      this.#genCache = { push, entries: new Map(kept), logged: this.#genCache.logged };
    }
    let queued = 0;
    for (const c of this.#connections) {
      if (!c.node || c.closed) continue;
      try {
        c.proxy = proxyFromNode(c.node, push.registry);
      } catch {
        continue;
      }
      if (!proxyNeedsPush(c.proxy, update, push, prev)) continue;
      this.#queue.enqueue(c);
      queued++;
    }
    this.stats.pushes++;
    void this.#queue.idle().then(() => {
      this.stats.lastPushMs = performance.now() - started;
    });
    return queued;
  }

  /** Resolves when the push queue has drained. */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  /** Resolves once `cond()` holds, checked after every ACK/NACK (bounded by `timeoutMs`). */
  waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<boolean> {
    if (cond()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (!cond()) return;
        done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.#ackWaiters.delete(check);
        resolve(ok);
      };
      this.#ackWaiters.add(check);
    });
  }

  status(): ConnectionStatus[] {
    return [...this.#connections].map((c) => c.status());
  }

  async #pushConnection(c: Connection): Promise<void> {
    for (const typeUrl of PUSH_ORDER) {
      if (c.closed) return;
      if (!c.watches.has(typeUrl)) continue;
      if (c.protocol === "sotw") await pushSotw(c, typeUrl, this.#ctx, false);
      else await pushDelta(c, typeUrl, this.#ctx);
    }
  }

  #stream(
    call: grpc.ServerDuplexStream<DiscoveryRequest | DeltaDiscoveryRequest, unknown>,
    protocol: "sotw" | "delta",
  ): void {
    const conn: Connection = new Connection(
      protocol,
      (msg): Promise<void> => write(call, msg, conn),
    );
    let chain = Promise.resolve();
    const close = () => {
      if (conn.closed) return;
      conn.closed = true;
      this.#connections.delete(conn);
      this.#queue.remove(conn);
    };
    call.on("data", (req: DiscoveryRequest | DeltaDiscoveryRequest) => {
      // Requests of one stream are handled in order; a failure ends only this stream.
      chain = chain
        .then(() => this.#onRequest(conn, req))
        .catch((err: unknown) => {
          this.#opts.log?.("stream error", { conn: conn.id, error: String(err) });
          close();
          // Ends this stream with the error's status (grpc-js turns an 'error' into trailers).
          if (!call.destroyed) call.emit("error", err);
        });
    });
    call.on("end", () => {
      close();
      call.end();
    });
    call.on("error", close);
    call.on("cancelled", close);
    call.on("close", close);
  }

  async #onRequest(conn: Connection, req: DiscoveryRequest | DeltaDiscoveryRequest): Promise<void> {
    if (conn.closed) return;
    if (!conn.node) {
      if (!req.node?.id) {
        throw statusError(grpc.status.INVALID_ARGUMENT, "first request must carry node.id");
      }
      try {
        conn.proxy = proxyFromNode(req.node as EnvoyNode, this.#push.registry);
      } catch (err) {
        if (err instanceof NodeError) throw statusError(grpc.status.INVALID_ARGUMENT, err.message);
        throw err;
      }
      conn.node = req.node;
      this.#connections.add(conn);
    }
    const typeUrl = req.type_url ?? "";
    // Responses to requests share the push concurrency limit with config pushes' own gate:
    // a thousand proxies connecting at once must not hold a thousand full responses in memory.
    if (conn.protocol === "sotw") {
      // A (re)subscription without a nonce gets everything; a changed name list on an ACK gets
      // what the client lacks (EDS/RDS responses need not repeat unchanged resources).
      const force = !(req as DiscoveryRequest).response_nonce;
      if (onSotwRequest(conn, req as DiscoveryRequest, this.#ctx))
        await this.#responses.run(() => pushSotw(conn, typeUrl, this.#ctx, force));
    } else if (onDeltaRequest(conn, req as DeltaDiscoveryRequest, this.#ctx)) {
      await this.#responses.run(() => pushDelta(conn, typeUrl, this.#ctx));
    }
  }
}

/**
 * What besides scope CDS and LDS depend on: the workload (inbound ports), the addresses listeners
 * bind and inbound clusters target (the pod IP without capture; the pod IP of an unknown workload's
 * Sidecar ingress), and HTTP/1.0 acceptance.
 */
function proxyShape(proxy: MeshProxy, typeUrl: string): string {
  const w = proxy.workload;
  const uncaptured = proxy.interceptionMode === "NONE";
  const bindsIp = uncaptured || (typeUrl === TYPE_URL.LISTENER && !w);
  return [
    w ? `${w.kind}/${w.namespace}/${w.name}` : "",
    proxy.interceptionMode ?? "",
    bindsIp ? proxy.ip : "",
    uncaptured ? (proxy.appIP ?? "") : "",
    proxy.http10 ? "http10" : "",
  ].join("/");
}

function statusError(
  code: grpc.status,
  details: string,
): Error & { code: grpc.status; details: string } {
  return Object.assign(new Error(details), { code, details });
}

/**
 * Writes unless the stream is gone; resolves once the message has been handed to the HTTP/2
 * stream (so that a bounded number of pushes bounds the response bytes held in memory), or the
 * stream closed.
 */
function write(
  call: grpc.ServerDuplexStream<unknown, unknown>,
  msg: unknown,
  conn: Connection,
): Promise<void> {
  if (conn.closed || call.destroyed || call.cancelled) return Promise.resolve();
  return new Promise((resolve) => {
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      call.off("close", done);
      resolve();
    };
    call.on("close", done);
    try {
      call.write(msg, done);
    } catch {
      conn.closed = true;
      done();
    }
  });
}
