// The ADS service definition over real gRPC on loopback: a bidi stream carrying Envoy-form
// resources both ways (SotW and Delta), with node metadata and a NACK's error_detail intact.

import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import {
  ADS_SERVICE,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
  packAny,
  TYPE_URL,
} from "../../src/envoy/index.ts";

describe("ADS service definition", () => {
  const server = new grpc.Server();
  const seen: DiscoveryRequest[] = [];
  let client: grpc.Client &
    Record<string, (...a: unknown[]) => grpc.ClientDuplexStream<unknown, unknown>>;

  before(async () => {
    server.addService(ADS_SERVICE, {
      StreamAggregatedResources: (
        call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>,
      ) => {
        call.on("data", (req: DiscoveryRequest) => {
          seen.push(req);
          if (req.response_nonce) return;
          call.write({
            version_info: "1",
            type_url: TYPE_URL.CLUSTER,
            nonce: "n1",
            resources: [
              { "@type": TYPE_URL.CLUSTER, name: "a", type: "STATIC", connect_timeout: "1s" },
              packAny(TYPE_URL.CLUSTER, { name: "b", type: "EDS" }),
            ],
          });
        });
        call.on("end", () => call.end());
      },
      DeltaAggregatedResources: (
        call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>,
      ) => {
        call.on("data", (req: DeltaDiscoveryRequest) => {
          call.write({
            system_version_info: "d1",
            type_url: req.type_url,
            nonce: "d",
            removed_resources: ["gone"],
            resources: (req.resource_names_subscribe ?? []).map((n) => ({
              name: n,
              version: "v1",
              resource: { "@type": TYPE_URL.CLUSTER_LOAD_ASSIGNMENT, cluster_name: n },
            })),
          });
        });
        call.on("end", () => call.end());
      },
    });
    const port = await new Promise<number>((res, rej) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? rej(e) : res(p),
      ),
    );
    const Ctor = grpc.makeGenericClientConstructor(ADS_SERVICE, "AggregatedDiscoveryService");
    client = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as typeof client;
  });
  after(() => {
    client?.close();
    server.forceShutdown();
  });

  test("SotW: request with node metadata, response with unpacked resources, NACK detail", async () => {
    const stream = client.StreamAggregatedResources() as grpc.ClientDuplexStream<
      DiscoveryRequest,
      DiscoveryResponse
    >;
    stream.write({
      node: {
        id: "sidecar~127.0.0.1~a.default~default.svc.cluster.local",
        metadata: { NAMESPACE: "default" },
      },
      type_url: TYPE_URL.CLUSTER,
    });
    const [res] = (await once(stream, "data")) as [DiscoveryResponse];
    assert.equal(res.version_info, "1");
    assert.deepEqual(res.resources, [
      { "@type": TYPE_URL.CLUSTER, name: "a", type: "STATIC", connect_timeout: "1s" },
      { "@type": TYPE_URL.CLUSTER, name: "b", type: "EDS" },
    ]);
    stream.write({
      type_url: TYPE_URL.CLUSTER,
      response_nonce: "n1",
      version_info: "",
      error_detail: { code: 3, message: "cluster a: bad" },
    });
    stream.end();
    await once(stream, "end");
    assert.equal(seen[0].node?.metadata?.NAMESPACE, "default");
    assert.equal(seen[0].version_info, undefined);
    assert.deepEqual(seen[1].error_detail, { code: 3, message: "cluster a: bad" });
  });

  test("Delta: subscribe and receive named resources", async () => {
    const stream = client.DeltaAggregatedResources() as grpc.ClientDuplexStream<
      DeltaDiscoveryRequest,
      DeltaDiscoveryResponse
    >;
    stream.write({
      type_url: TYPE_URL.CLUSTER_LOAD_ASSIGNMENT,
      resource_names_subscribe: ["x", "y"],
    });
    const [res] = (await once(stream, "data")) as [DeltaDiscoveryResponse];
    stream.end();
    assert.deepEqual(res.removed_resources, ["gone"]);
    assert.deepEqual(
      res.resources?.map((r) => [r.name, r.version, r.resource]),
      ["x", "y"].map((n) => [
        n,
        "v1",
        { "@type": TYPE_URL.CLUSTER_LOAD_ASSIGNMENT, cluster_name: n },
      ]),
    );
    await once(stream, "end");
  });
});
