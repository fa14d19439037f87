// The proxy's ADS client against a scripted xDS server: warming order (CDS, EDS, then LDS, RDS),
// ACKs, a NACK with error detail that keeps the last good config, route changes taking effect,
// reconnecting after the stream drops, and the same over Delta xDS.

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import {
  type DeltaDiscoveryRequest,
  type DiscoveryRequest,
  TYPE_URL,
} from "../../src/envoy/index.ts";
import {
  type Backend,
  curl,
  HCM,
  ROUTER,
  startBackend,
  startProxy,
  staticCluster,
  type TestProxy,
} from "./helpers.ts";
import { ScriptedXds } from "./xds-server.ts";

function listener(rds: string) {
  return {
    name: "dyn",
    address: { socket_address: { address: "127.0.0.1", port_value: 0 } },
    filter_chains: [
      {
        filters: [
          {
            name: "hcm",
            typed_config: {
              "@type": HCM,
              stat_prefix: "dyn",
              rds: { route_config_name: rds, config_source: { ads: {} } },
              http_filters: [ROUTER],
            },
          },
        ],
      },
    ],
  };
}

const route = (name: string, cluster: string, prefix = "/") => ({
  name,
  virtual_hosts: [
    { name: "vh", domains: ["*"], routes: [{ match: { prefix }, route: { cluster } }] },
  ],
});

const edsCluster = (name: string) => ({
  name,
  type: "EDS",
  connect_timeout: "1s",
  eds_cluster_config: { eds_config: { ads: {} } },
});
const cla = (name: string, port: number) => ({
  cluster_name: name,
  endpoints: [
    {
      lb_endpoints: [
        { endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: port } } } },
      ],
    },
  ],
});

function bootstrap(xdsPort: number, delta: boolean) {
  return {
    node: { id: "sidecar~127.0.0.1~test.default~default.svc.cluster.local", cluster: "test" },
    dynamic_resources: {
      ads_config: {
        api_type: delta ? "DELTA_GRPC" : "GRPC",
        transport_api_version: "V3",
        grpc_services: [{ envoy_grpc: { cluster_name: "xds-grpc" } }],
      },
      cds_config: { ads: {}, resource_api_version: "V3" },
      lds_config: { ads: {}, resource_api_version: "V3" },
    },
    static_resources: {
      clusters: [staticCluster("xds-grpc", xdsPort, { typed_extension_protocol_options: {} })],
    },
  };
}

for (const delta of [false, true]) {
  describe(`ADS client (${delta ? "Delta" : "SotW"})`, () => {
    const xds = new ScriptedXds();
    let a: Backend;
    let b: Backend;
    let px: TestProxy;
    after(async () => {
      await px?.stop();
      xds.stop();
      await a?.close();
      await b?.close();
    });

    test("warms CDS and EDS before LDS, then serves through RDS", async () => {
      a = await startBackend("A");
      b = await startBackend("B");
      await xds.start();
      xds.set(TYPE_URL.CLUSTER, "c1", [edsCluster("A"), edsCluster("B")]);
      xds.set(TYPE_URL.CLUSTER_LOAD_ASSIGNMENT, "e1", [cla("A", a.port), cla("B", b.port)]);
      xds.set(TYPE_URL.LISTENER, "l1", [listener("r1")]);
      xds.set(TYPE_URL.ROUTE_CONFIGURATION, "r1", [route("r1", "A")]);
      px = await startProxy(bootstrap(xds.port, delta));
      await px.running.ready;
      const types = xds.requests.map((r) => r.type_url);
      const first = (t: string) => types.indexOf(t);
      assert.ok(first(TYPE_URL.CLUSTER) < first(TYPE_URL.CLUSTER_LOAD_ASSIGNMENT));
      assert.ok(first(TYPE_URL.CLUSTER_LOAD_ASSIGNMENT) < first(TYPE_URL.LISTENER));
      assert.ok(first(TYPE_URL.LISTENER) < first(TYPE_URL.ROUTE_CONFIGURATION));
      assert.equal(
        xds.requests[0].node?.id,
        "sidecar~127.0.0.1~test.default~default.svc.cluster.local",
      );
      assert.equal(xds.requests[1].node, undefined, "node only on the first message of a stream");
      const r = await curl([`http://127.0.0.1:${px.port("dyn")}/x`]);
      assert.equal(r.stdout, "A GET /x");
      if (!delta) {
        const ack = await xds.waitFor<DiscoveryRequest>(
          (q) => q.type_url === TYPE_URL.ROUTE_CONFIGURATION && q.version_info === "r1",
        );
        assert.ok(ack.response_nonce);
      }
      const dump = JSON.parse(
        (await curl([`http://127.0.0.1:${px.running.adminPort}/config_dump`])).stdout,
      );
      const routes = dump.configs.find((c: { "@type": string }) =>
        c["@type"].endsWith("RoutesConfigDump"),
      );
      assert.equal(routes.dynamic_route_configs[0].version_info, "r1");
      assert.equal(routes.dynamic_route_configs[0].route_config.name, "r1");
    });

    test("a bad route config is NACKed with detail and the last good one keeps serving", async () => {
      const bad = {
        name: "r1",
        virtual_hosts: [
          {
            name: "vh",
            domains: ["*"],
            routes: [{ match: { safe_regex: { regex: "(" } }, route: { cluster: "B" } }],
          },
        ],
      };
      xds.set(TYPE_URL.ROUTE_CONFIGURATION, "r2", [bad]);
      const nack = await xds.waitFor<DiscoveryRequest & DeltaDiscoveryRequest>(
        (q) => q.type_url === TYPE_URL.ROUTE_CONFIGURATION && q.error_detail !== undefined,
      );
      assert.match(
        nack.error_detail?.message ?? "",
        /RouteConfiguration r1: virtual_hosts\[0\]\.routes\[0\]\.match\.safe_regex\.regex: invalid RE2 regex/,
      );
      if (!delta) assert.equal(nack.version_info, "r1");
      assert.equal((await curl([`http://127.0.0.1:${px.port("dyn")}/x`])).stdout, "A GET /x");
      const dump = JSON.parse(
        (await curl([`http://127.0.0.1:${px.running.adminPort}/config_dump`])).stdout,
      );
      assert.equal(
        dump.configs.find((c: { "@type": string }) => c["@type"].endsWith("RoutesConfigDump"))
          .dynamic_route_configs[0].version_info,
        "r1",
      );
    });

    test("a good route update switches traffic", async () => {
      xds.set(TYPE_URL.ROUTE_CONFIGURATION, "r3", [route("r1", "B")]);
      await xds.waitFor(
        (q) =>
          q.type_url === TYPE_URL.ROUTE_CONFIGURATION &&
          !q.error_detail &&
          (delta || (q as DiscoveryRequest).version_info === "r3"),
      );
      for (let i = 0; i < 50; i++) {
        const out = (await curl([`http://127.0.0.1:${px.port("dyn")}/y`])).stdout;
        if (out === "B GET /y") return;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.fail("traffic never moved to B");
    });

    test("reconnects after the stream drops and resumes with its versions", async () => {
      const before = xds.requests.length;
      xds.dropStreams();
      const again = await xds.waitFor<DiscoveryRequest & DeltaDiscoveryRequest>(
        (q) =>
          xds.requests.indexOf(q) >= before &&
          q.type_url === TYPE_URL.CLUSTER &&
          q.node !== undefined,
        10_000,
      );
      if (delta) assert.deepEqual(again.initial_resource_versions, { A: "c1", B: "c1" });
      else assert.equal(again.version_info, "c1");
      assert.equal((await curl([`http://127.0.0.1:${px.port("dyn")}/z`])).stdout, "B GET /z");
    });

    test("takes a CDS response past gRPC's 4 MiB default (a mesh of thousands of services)", async () => {
      const before = xds.requests.length;
      const padding = "x".repeat(10_000);
      const big = Array.from({ length: 500 }, (_, i) => ({
        ...staticCluster(`big-${i}`, a.port),
        metadata: { filter_metadata: { bench: { padding } } },
      }));
      xds.set(TYPE_URL.CLUSTER, "c4", [edsCluster("A"), edsCluster("B"), ...big]);
      const ack = await xds.waitFor<DiscoveryRequest & DeltaDiscoveryRequest>(
        (q) =>
          xds.requests.indexOf(q) >= before &&
          q.type_url === TYPE_URL.CLUSTER &&
          q.response_nonce !== undefined &&
          q.response_nonce !== "",
        20_000,
      );
      assert.equal(ack.error_detail, undefined);
      if (!delta) assert.equal(ack.version_info, "c4");
      const clusters = await curl([`http://127.0.0.1:${px.running.adminPort}/clusters`]);
      assert.match(clusters.stdout, /^big-499::/m);
    });
  });
}
