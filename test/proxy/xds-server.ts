// A small scripted ADS server for the proxy's tests (SotW and Delta): the test sets resources per
// type, the server answers subscriptions and pushes changes, and records every request so tests
// can check ordering, ACKs and NACKs.

import * as grpc from "@grpc/grpc-js";
import {
  ADS_SERVICE,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
  type JsonObject,
} from "../../src/envoy/index.ts";

interface TypeData {
  version: string;
  resources: JsonObject[];
}

const nameOf = (r: JsonObject) => String(r.name ?? r.cluster_name ?? "");

export class ScriptedXds {
  readonly requests: (DiscoveryRequest | DeltaDiscoveryRequest)[] = [];
  private readonly data = new Map<string, TypeData>();
  private readonly sotw = new Set<{
    call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>;
    names: Map<string, string[]>;
  }>();
  private readonly delta = new Set<{
    call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
    subs: Map<string, Set<string> | "*">;
  }>();
  private nonce = 0;
  private server = new grpc.Server();
  port = 0;
  private waiters: (() => void)[] = [];

  async start(): Promise<void> {
    this.server.addService(ADS_SERVICE, {
      StreamAggregatedResources: (
        call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>,
      ) => {
        const st = { call, names: new Map<string, string[]>() };
        this.sotw.add(st);
        call.on("data", (req: DiscoveryRequest) => {
          this.record(req);
          const t = req.type_url ?? "";
          const names = req.resource_names ?? [];
          const prev = st.names.get(t);
          st.names.set(t, names);
          if (req.error_detail) return;
          if (!req.response_nonce || JSON.stringify(prev) !== JSON.stringify(names))
            this.sendSotw(st, t);
        });
        call.on("error", () => undefined);
        call.on("end", () => {
          this.sotw.delete(st);
          call.end();
        });
      },
      DeltaAggregatedResources: (
        call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>,
      ) => {
        const st = { call, subs: new Map<string, Set<string> | "*">() };
        this.delta.add(st);
        call.on("data", (req: DeltaDiscoveryRequest) => {
          this.record(req);
          const t = req.type_url ?? "";
          if (
            req.error_detail ||
            (req.response_nonce &&
              !req.resource_names_subscribe?.length &&
              !req.resource_names_unsubscribe?.length)
          )
            return;
          let sub = st.subs.get(t);
          const add = req.resource_names_subscribe ?? [];
          if (!sub) sub = add.length === 0 || add.includes("*") ? "*" : new Set();
          if (sub !== "*") {
            for (const n of add) sub.add(n);
            for (const n of req.resource_names_unsubscribe ?? []) sub.delete(n);
          }
          st.subs.set(t, sub);
          this.sendDelta(st, t, []);
        });
        call.on("error", () => undefined);
        call.on("end", () => {
          this.delta.delete(st);
          call.end();
        });
      },
    });
    this.port = await new Promise<number>((res, rej) =>
      this.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? rej(e) : res(p),
      ),
    );
  }

  private record(req: DiscoveryRequest | DeltaDiscoveryRequest): void {
    this.requests.push(req);
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves when a recorded request satisfies the predicate (bounded by a timeout). */
  async waitFor<T extends DiscoveryRequest | DeltaDiscoveryRequest>(
    pred: (r: T) => boolean,
    timeoutMs = 5000,
  ): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hit = (this.requests as T[]).find(pred);
      if (hit) return hit;
      if (Date.now() > end) throw new Error("timed out waiting for an xDS request");
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  private sendSotw(
    st: {
      call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>;
      names: Map<string, string[]>;
    },
    t: string,
  ): void {
    const d = this.data.get(t);
    if (!d) return;
    const names = st.names.get(t) ?? [];
    const resources = names.length
      ? d.resources.filter((r) => names.includes(nameOf(r)))
      : d.resources;
    st.call.write({ type_url: t, version_info: d.version, nonce: String(++this.nonce), resources });
  }

  private sendDelta(
    st: {
      call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
      subs: Map<string, Set<string> | "*">;
    },
    t: string,
    removed: string[],
  ): void {
    const d = this.data.get(t);
    const sub = st.subs.get(t);
    if (!d || !sub) return;
    const resources = d.resources.filter((r) => sub === "*" || sub.has(nameOf(r)));
    st.call.write({
      type_url: t,
      system_version_info: d.version,
      nonce: String(++this.nonce),
      resources: resources.map((r) => ({ name: nameOf(r), version: d.version, resource: r })),
      removed_resources: removed,
    });
  }

  /** Replaces the resources of a type and pushes them to every stream subscribed to it. */
  set(typeUrl: string, version: string, resources: JsonObject[]): void {
    const before = this.data.get(typeUrl)?.resources.map(nameOf) ?? [];
    this.data.set(typeUrl, {
      version,
      resources: resources.map((r) => ({ "@type": typeUrl, ...r })),
    });
    const removed = before.filter((n) => !resources.some((r) => nameOf(r) === n));
    for (const st of this.sotw) if (st.names.has(typeUrl)) this.sendSotw(st, typeUrl);
    for (const st of this.delta) this.sendDelta(st, typeUrl, removed);
  }

  /** Ends every stream (the proxy must reconnect). */
  dropStreams(): void {
    for (const st of this.sotw) st.call.end();
    for (const st of this.delta) st.call.end();
    this.sotw.clear();
    this.delta.clear();
  }

  stop(): void {
    this.server.forceShutdown();
  }
}
