// A bare ADS client for protocol tests: sends requests on one stream and awaits responses in
// order, with a bounded wait. Uses the Envoy protos through src/envoy like any third party would.

import * as grpc from "@grpc/grpc-js";
import { ADS_SERVICE, type JsonObject } from "../../src/envoy/index.ts";
import { Pilot } from "../../src/xds/pilot.ts";
import { bookinfoStore } from "../registry/fixtures.ts";

const Client = grpc.makeGenericClientConstructor(ADS_SERVICE, "AggregatedDiscoveryService");

export interface Response {
  version_info?: string;
  system_version_info?: string;
  type_url: string;
  nonce: string;
  /** SotW: resources in Envoy's JSON form ("@type"); delta: {name, version, resource}. */
  resources: JsonObject[];
  removed_resources?: string[];
}

export class AdsClient {
  readonly #client: grpc.Client;
  readonly #call: grpc.ClientDuplexStream<unknown, Response>;
  readonly #queue: Response[] = [];
  #waiter: ((r: Response | undefined) => void) | undefined;
  status: grpc.StatusObject | undefined;
  readonly ended: Promise<grpc.StatusObject>;

  constructor(port: number, delta = false) {
    this.#client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const method = delta ? "DeltaAggregatedResources" : "StreamAggregatedResources";
    this.#call = (
      this.#client as unknown as Record<string, () => grpc.ClientDuplexStream<unknown, Response>>
    )[method]();
    this.#call.on("data", (r: Response) => {
      if (this.#waiter) {
        const w = this.#waiter;
        this.#waiter = undefined;
        w(r);
      } else this.#queue.push(r);
    });
    this.ended = new Promise((resolve) => {
      this.#call.on("status", (s: grpc.StatusObject) => {
        this.status = s;
        resolve(s);
      });
      this.#call.on("error", () => {});
    });
  }

  send(req: Record<string, unknown>): void {
    this.#call.write(req);
  }

  /** The next response, or undefined if none arrives within `ms`. */
  next(ms = 3000): Promise<Response | undefined> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        resolve(undefined);
      }, ms);
      this.#waiter = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
    });
  }

  async expect(ms = 3000): Promise<Response> {
    const r = await this.next(ms);
    if (!r) throw new Error(`no response within ${ms} ms`);
    return r;
  }

  close(): void {
    this.#call.end();
    this.#call.cancel();
    this.#client.close();
  }
}

export function decoded(r: Response): JsonObject[] {
  return r.resources.map((x) => ("@type" in x ? x : (x.resource as JsonObject)));
}

export function names(r: Response): string[] {
  return r.resources.map((x) => {
    if (typeof x.name === "string" && !("@type" in x)) return x.name;
    return String(x.name ?? x.cluster_name);
  });
}

export const PRODUCTPAGE_NODE = {
  id: "sidecar~10.1.4.10~productpage-v1-0.default~default.svc.cluster.local",
  cluster: "productpage.default",
  metadata: { NAMESPACE: "default" },
};

/**
 * A Pilot serving Bookinfo (with destination-rule-all) on an ephemeral loopback port, plus ADS
 * clients that `stop()` closes with it: the shared setup of the SotW and delta protocol tests.
 */
export class AdsHarness {
  pilot!: Pilot;
  port = 0;
  readonly #clients: AdsClient[] = [];
  #delta = false;

  async start(delta = false): Promise<void> {
    this.#delta = delta;
    this.pilot = new Pilot({
      store: bookinfoStore(["destination-rule-all.yaml"]),
      xdsAddress: "127.0.0.1:0",
      debounce: { quietMs: 5, maxMs: 100 },
      log: process.env.XDS_DEBUG ? (m, f) => console.log(m, JSON.stringify(f)) : undefined,
    });
    ({ xdsPort: this.port } = await this.pilot.start());
  }

  client(): AdsClient {
    const c = new AdsClient(this.port, this.#delta);
    this.#clients.push(c);
    return c;
  }

  async stop(): Promise<void> {
    for (const c of this.#clients) c.close();
    await this.pilot?.stop();
  }
}
