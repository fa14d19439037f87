// EnvoyFilter patches on generated xDS, one behaviour per test with the expected resources:
// every applyTo and operation, match conditions, contexts, ordering, selection, and invalid
// patches that are skipped without disturbing the rest. (Istio's samples: golden case
// test/testdata/xds/envoyfilter-ratelimit.)

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { messageNameOf, normalizeMessage, TYPE_URL } from "../../src/envoy/index.ts";
import { type NodeInfo, proxyFromNode } from "../../src/model/proxy.ts";
import { PushContext } from "../../src/model/push-context.ts";
import type { Json } from "../../src/xds/generators/common.ts";
import { generate } from "../../src/xds/generators/index.ts";
import { bookinfoStore } from "../registry/fixtures.ts";

const PRODUCTPAGE: NodeInfo = {
  id: "sidecar~10.1.4.10~productpage-v1-0.default~default.svc.cluster.local",
  metadata: { NAMESPACE: "default", ISTIO_VERSION: "1.24.2", ROLE: "frontend" },
};
const REVIEWS: NodeInfo = {
  id: "sidecar~10.1.3.10~reviews-v1-0.default~default.svc.cluster.local",
  metadata: { NAMESPACE: "default" },
};
const GATEWAY: NodeInfo = {
  id: "router~10.1.9.9~istio-ingressgateway-0.istio-system~istio-system.svc.cluster.local",
  metadata: { NAMESPACE: "istio-system", LABELS: { istio: "ingressgateway" } },
};

function envoyFilter(name: string, body: string, ns = "default"): string {
  return `---
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: ${name}, namespace: ${ns}}
spec:
${body}`;
}

function gen(extra: string, node: NodeInfo, typeUrl: string, names?: string[]) {
  const push = PushContext.build(bookinfoStore(["bookinfo-gateway.yaml"], extra));
  const out = generate(proxyFromNode(node, push.registry), push, typeUrl, names);
  for (const [name, r] of out) normalizeMessage(messageNameOf(typeUrl), r, name);
  return { out, push };
}

const listener = (extra: string, node: NodeInfo, name: string): Json => {
  const l = gen(extra, node, TYPE_URL.LISTENER).out.get(name);
  assert.ok(l, `listener ${name}`);
  return l;
};

function httpFilterNames(l: Json, chain = 0): string[] {
  const fc = (l.filter_chains as Json[])[chain];
  const hcm = (fc.filters as Json[]).find(
    (f) => f.name === "envoy.filters.network.http_connection_manager",
  );
  assert.ok(hcm, "HCM");
  return ((hcm.typed_config as Json).http_filters as Json[]).map((f) => String(f.name));
}

const inboundChain = (l: Json, port: number, transport = "raw_buffer"): Json => {
  const fc = (l.filter_chains as Json[]).find((c) => {
    const m = c.filter_chain_match as Json | undefined;
    return m?.destination_port === port && m.transport_protocol === transport;
  });
  assert.ok(fc, `inbound chain ${port} ${transport}`);
  return fc;
};

const ROUTER = "envoy.filters.http.router";
const LUA = `name: envoy.filters.http.lua
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
          default_source_code: {inline_string: "function envoy_on_request(h) end"}`;

describe("EnvoyFilter: HTTP and network filters", () => {
  it("INSERT_BEFORE the router, only in the matching context and port", () => {
    const ef = envoyFilter(
      "lua",
      `  configPatches:
  - applyTo: HTTP_FILTER
    match:
      context: SIDECAR_OUTBOUND
      listener:
        portNumber: 9080
        filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: envoy.filters.http.router}}}
    patch:
      operation: INSERT_BEFORE
      value:
        ${LUA}`,
    );
    const out = listener(ef, PRODUCTPAGE, "0.0.0.0_9080");
    assert.deepEqual(httpFilterNames(out), [
      "envoy.filters.http.fault",
      "envoy.filters.http.cors",
      "envoy.filters.http.lua",
      ROUTER,
    ]);
    // Inbound chains of virtualInbound are SIDECAR_INBOUND: untouched.
    const inbound = listener(ef, PRODUCTPAGE, "virtualInbound");
    assert.ok(!JSON.stringify(inbound).includes("envoy.filters.http.lua"));
  });

  it("INSERT_AFTER, INSERT_FIRST, REPLACE and REMOVE of HTTP filters, in patch order", () => {
    const ef = envoyFilter(
      "ops",
      `  configPatches:
  - applyTo: HTTP_FILTER
    match: {context: SIDECAR_OUTBOUND, listener: {portNumber: 9080, filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: envoy.filters.http.fault}}}}}
    patch: {operation: REMOVE}
  - applyTo: HTTP_FILTER
    match: {context: SIDECAR_OUTBOUND, listener: {portNumber: 9080, filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: envoy.filters.http.cors}}}}}
    patch:
      operation: INSERT_AFTER
      value:
        ${LUA}
  - applyTo: HTTP_FILTER
    match: {context: SIDECAR_OUTBOUND, listener: {portNumber: 9080, filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: envoy.filters.http.cors}}}}}
    patch:
      operation: REPLACE
      value:
        name: envoy.filters.http.grpc_web
        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.grpc_web.v3.GrpcWeb}
  - applyTo: HTTP_FILTER
    match: {context: SIDECAR_OUTBOUND, listener: {portNumber: 9080}}
    patch:
      operation: INSERT_FIRST
      value:
        name: first
        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors}`,
    );
    assert.deepEqual(httpFilterNames(listener(ef, PRODUCTPAGE, "0.0.0.0_9080")), [
      "first",
      "envoy.filters.http.grpc_web",
      "envoy.filters.http.lua",
      ROUTER,
    ]);
  });

  it("MERGE into the HCM's typed_config (same type, field by field; lists append)", () => {
    const ef = envoyFilter(
      "hcm",
      `  configPatches:
  - applyTo: NETWORK_FILTER
    match:
      context: SIDECAR_OUTBOUND
      listener: {portNumber: 9080, filterChain: {filter: {name: envoy.http_connection_manager}}}
    patch:
      operation: MERGE
      value:
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          server_name: mast-test
          stream_idle_timeout: 30s
          upgrade_configs: [{upgrade_type: CONNECT}]`,
    );
    const l = listener(ef, PRODUCTPAGE, "0.0.0.0_9080");
    const hcm = ((l.filter_chains as Json[])[0].filters as Json[])[0].typed_config as Json;
    assert.equal(hcm.server_name, "mast-test");
    assert.equal(hcm.stream_idle_timeout, "30s");
    assert.equal(hcm.stat_prefix, "outbound_0.0.0.0_9080", "unpatched fields stay");
    assert.deepEqual(hcm.upgrade_configs, [
      { upgrade_type: "websocket" },
      { upgrade_type: "CONNECT" },
    ]);
  });

  it("NETWORK_FILTER INSERT_FIRST and REMOVE on an inbound chain matched by destination port", () => {
    const ef = envoyFilter(
      "net",
      `  workloadSelector: {labels: {app: productpage}}
  configPatches:
  - applyTo: NETWORK_FILTER
    match: {context: SIDECAR_INBOUND, listener: {portNumber: 9080}}
    patch:
      operation: INSERT_FIRST
      value:
        name: envoy.filters.network.connection_limit
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit
          stat_prefix: limit
          max_connections: 10
  - applyTo: FILTER_CHAIN
    match: {context: SIDECAR_INBOUND, listener: {portNumber: 9080, filterChain: {transportProtocol: tls}}}
    patch: {operation: REMOVE}`,
    );
    const l = listener(ef, PRODUCTPAGE, "virtualInbound");
    const plain = inboundChain(l, 9080);
    assert.equal((plain.filters as Json[])[0].name, "envoy.filters.network.connection_limit");
    assert.ok(
      !(l.filter_chains as Json[]).some(
        (c) =>
          (c.filter_chain_match as Json | undefined)?.destination_port === 9080 &&
          (c.filter_chain_match as Json).transport_protocol === "tls",
      ),
      "the TLS chain for 9080 is removed",
    );
    // Other workloads are not selected.
    const reviews = listener(ef, REVIEWS, "virtualInbound");
    assert.ok(!JSON.stringify(reviews).includes("connection_limit"));
  });
});

describe("EnvoyFilter: listeners", () => {
  it("LISTENER MERGE, REMOVE and ADD", () => {
    const ef = envoyFilter(
      "listeners",
      `  configPatches:
  - applyTo: LISTENER
    match: {context: SIDECAR_OUTBOUND, listener: {portNumber: 9080}}
    patch:
      operation: MERGE
      value: {per_connection_buffer_limit_bytes: 65536}
  - applyTo: LISTENER
    match: {listener: {name: virtualOutbound}}
    patch: {operation: REMOVE}
  - applyTo: LISTENER
    patch:
      operation: ADD
      value:
        name: extra
        address: {socket_address: {address: 127.0.0.1, port_value: 7777}}
        filter_chains:
        - filters:
          - name: envoy.filters.network.tcp_proxy
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
              stat_prefix: extra
              cluster: BlackHoleCluster`,
    );
    const { out } = gen(ef, PRODUCTPAGE, TYPE_URL.LISTENER);
    assert.equal(out.get("0.0.0.0_9080")?.per_connection_buffer_limit_bytes, 65536);
    assert.equal(out.has("virtualOutbound"), false);
    assert.deepEqual(out.get("extra")?.address, {
      socket_address: { address: "127.0.0.1", port_value: 7777 },
    });
    assert.ok(out.has("virtualInbound"));
  });
});

describe("EnvoyFilter: routes", () => {
  it("ROUTE_CONFIGURATION, VIRTUAL_HOST and HTTP_ROUTE patches on sidecar RDS", () => {
    const ef = envoyFilter(
      "routes",
      `  configPatches:
  - applyTo: ROUTE_CONFIGURATION
    match: {context: SIDECAR_OUTBOUND, routeConfiguration: {portNumber: 9080}}
    patch:
      operation: MERGE
      value: {request_headers_to_add: [{header: {key: x-patched, value: "yes"}}]}
  - applyTo: VIRTUAL_HOST
    match: {context: SIDECAR_OUTBOUND, routeConfiguration: {vhost: {domainName: ratings}}}
    patch: {operation: REMOVE}
  - applyTo: VIRTUAL_HOST
    match: {context: SIDECAR_OUTBOUND, routeConfiguration: {portNumber: 9080}}
    patch:
      operation: ADD
      value:
        name: added
        domains: [added.example]
        routes: [{match: {prefix: /}, direct_response: {status: 418}}]
  - applyTo: HTTP_ROUTE
    match: {context: SIDECAR_OUTBOUND, routeConfiguration: {vhost: {name: "details.default.svc.cluster.local:9080", route: {name: default}}}}
    patch:
      operation: INSERT_BEFORE
      value: {name: health, match: {path: /health}, direct_response: {status: 200}}
  - applyTo: HTTP_ROUTE
    match: {context: SIDECAR_OUTBOUND, routeConfiguration: {vhost: {route: {action: ROUTE}}}}
    patch:
      operation: MERGE
      value: {route: {timeout: 7s}}`,
    );
    const rc = gen(ef, PRODUCTPAGE, TYPE_URL.ROUTE_CONFIGURATION, ["9080"]).out.get("9080");
    assert.ok(rc);
    assert.deepEqual(rc.request_headers_to_add, [{ header: { key: "x-patched", value: "yes" } }]);
    const vhosts = rc.virtual_hosts as Json[];
    const names = vhosts.map((v) => v.name);
    assert.ok(!names.includes("ratings.default.svc.cluster.local:9080"));
    assert.equal(names.at(-1), "added");
    const details = vhosts.find((v) => v.name === "details.default.svc.cluster.local:9080");
    const routes = details?.routes as Json[];
    assert.deepEqual(
      routes.map((r) => r.name),
      ["health", "default"],
    );
    assert.equal((routes[1].route as Json).timeout, "7s");
    assert.equal(
      (routes[1].route as Json).cluster,
      "outbound|9080||details.default.svc.cluster.local",
    );
    // The direct response added before it is not a ROUTE action: not merged.
    assert.equal(routes[0].route, undefined);
  });

  it("gateway route matches by port and gateway name; sidecars are not GATEWAY", () => {
    const ef = envoyFilter(
      "gw",
      `  configPatches:
  - applyTo: VIRTUAL_HOST
    match: {context: GATEWAY, routeConfiguration: {portNumber: 8080}}
    patch:
      operation: MERGE
      value: {response_headers_to_add: [{header: {key: x-gw, value: "1"}}]}`,
      "istio-system",
    );
    const rc = gen(ef, GATEWAY, TYPE_URL.ROUTE_CONFIGURATION, ["http.8080"]).out.get("http.8080");
    assert.ok(rc);
    for (const vh of rc.virtual_hosts as Json[])
      assert.deepEqual(vh.response_headers_to_add, [{ header: { key: "x-gw", value: "1" } }]);
    const side = gen(ef, PRODUCTPAGE, TYPE_URL.ROUTE_CONFIGURATION, ["9080"]).out.get("9080");
    assert.ok(!JSON.stringify(side).includes("x-gw"));
  });

  it("inbound inline route configuration takes SIDECAR_INBOUND HTTP_ROUTE patches", () => {
    const ef = envoyFilter(
      "inbound-route",
      `  configPatches:
  - applyTo: HTTP_ROUTE
    match: {context: SIDECAR_INBOUND, routeConfiguration: {portNumber: 9080, vhost: {name: "inbound|http|9080"}}}
    patch:
      operation: MERGE
      value: {route: {timeout: 3s}}`,
    );
    const fc = inboundChain(listener(ef, PRODUCTPAGE, "virtualInbound"), 9080);
    const hcm = (fc.filters as Json[]).at(-1)?.typed_config as Json;
    const route = ((hcm.route_config as Json).virtual_hosts as Json[])[0].routes as Json[];
    assert.equal((route[0].route as Json).timeout, "3s");
  });
});

describe("EnvoyFilter: clusters and extension configs", () => {
  it("CLUSTER MERGE by service and port, REMOVE by subset, ADD", () => {
    const ef = envoyFilter(
      "clusters",
      `  configPatches:
  - applyTo: CLUSTER
    match: {context: SIDECAR_OUTBOUND, cluster: {service: reviews.default.svc.cluster.local, portNumber: 9080}}
    patch:
      operation: MERGE
      value: {connect_timeout: 2s, per_connection_buffer_limit_bytes: 1024}
  - applyTo: CLUSTER
    match: {cluster: {service: ratings.default.svc.cluster.local}}
    patch: {operation: REMOVE}
  - applyTo: CLUSTER
    match: {context: SIDECAR_INBOUND, cluster: {service: productpage.default.svc.cluster.local, portNumber: 9080}}
    patch:
      operation: MERGE
      value: {connect_timeout: 4s}
  - applyTo: CLUSTER
    patch:
      operation: ADD
      value: {name: extra_cluster, type: STATIC, connect_timeout: 1s}`,
    );
    const { out } = gen(ef, PRODUCTPAGE, TYPE_URL.CLUSTER);
    const reviews = out.get("outbound|9080||reviews.default.svc.cluster.local");
    assert.equal(reviews?.connect_timeout, "2s");
    assert.equal(reviews?.per_connection_buffer_limit_bytes, 1024);
    assert.equal(
      out.get("outbound|9080||details.default.svc.cluster.local")?.connect_timeout,
      "10s",
    );
    assert.equal(out.has("outbound|9080||ratings.default.svc.cluster.local"), false);
    assert.equal(out.get("inbound|9080||")?.connect_timeout, "4s");
    assert.equal(out.get("extra_cluster")?.type, "STATIC");
  });

  it("EXTENSION_CONFIG ADD is served over ECDS by name", () => {
    const ef = envoyFilter(
      "ecds",
      `  configPatches:
  - applyTo: EXTENSION_CONFIG
    patch:
      operation: ADD
      value:
        name: my-lua
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
          default_source_code: {inline_string: "function envoy_on_request(h) end"}`,
    );
    const { out } = gen(ef, PRODUCTPAGE, TYPE_URL.EXTENSION_CONFIG, ["my-lua", "other"]);
    assert.deepEqual([...out.keys()], ["my-lua"]);
    assert.equal(
      ((out.get("my-lua") as Json).typed_config as Json)["@type"],
      "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua",
    );
  });
});

describe("EnvoyFilter: selection, ordering and invalid patches", () => {
  const insertFirst = (name: string, extra = "") => `  configPatches:
  - applyTo: HTTP_FILTER
    match: {context: SIDECAR_OUTBOUND, ${extra} listener: {portNumber: 9080}}
    patch:
      operation: INSERT_FIRST
      value:
        name: ${name}
        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors}`;

  it("orders by priority, then creation time, then name; root namespace applies everywhere", () => {
    const ef = [
      envoyFilter("b", `  priority: 10\n${insertFirst("p10")}`),
      envoyFilter("a", `  priority: -5\n${insertFirst("p-5")}`),
      envoyFilter("c", insertFirst("root0"), "istio-system"),
      envoyFilter("other-ns", insertFirst("elsewhere"), "bookinfo"),
    ].join("\n");
    // INSERT_FIRST in application order: the last applied ends up first.
    assert.deepEqual(httpFilterNames(listener(ef, PRODUCTPAGE, "0.0.0.0_9080")).slice(0, 3), [
      "p10",
      "root0",
      "p-5",
    ]);
  });

  it("proxy version regex and node metadata select patches", () => {
    const ef = [
      envoyFilter("v", insertFirst("v124", "proxy: {proxyVersion: '^1\\.24.*'},")),
      envoyFilter("v2", insertFirst("v125", "proxy: {proxyVersion: '^1\\.25.*'},")),
      envoyFilter("m", insertFirst("frontend", "proxy: {metadata: {ROLE: frontend}},")),
    ].join("\n");
    const pp = httpFilterNames(listener(ef, PRODUCTPAGE, "0.0.0.0_9080"));
    assert.ok(pp.includes("v124") && pp.includes("frontend") && !pp.includes("v125"));
    // No version, no ROLE: neither version-pinned nor metadata patches apply.
    const rv = httpFilterNames(listener(ef, REVIEWS, "0.0.0.0_9080"));
    assert.ok(!rv.includes("v124") && !rv.includes("frontend"));
  });

  it("targetRefs to a Gateway select the proxy with that gateway-name label", () => {
    const ef = envoyFilter(
      "by-ref",
      `  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: my-gw}]\n${insertFirst("ref")}`,
    );
    const labelled: NodeInfo = {
      ...REVIEWS,
      metadata: {
        NAMESPACE: "default",
        LABELS: { app: "reviews", "gateway.networking.k8s.io/gateway-name": "my-gw" },
      },
    };
    assert.ok(httpFilterNames(listener(ef, labelled, "0.0.0.0_9080")).includes("ref"));
    assert.ok(!httpFilterNames(listener(ef, REVIEWS, "0.0.0.0_9080")).includes("ref"));
  });

  it("an invalid patch is skipped and reported; the others still apply", () => {
    const ef = envoyFilter(
      "bad",
      `  configPatches:
  - applyTo: HTTP_FILTER
    match: {context: SIDECAR_OUTBOUND, listener: {portNumber: 9080}}
    patch:
      operation: INSERT_FIRST
      value: {name: broken, no_such_field: 1}
  - applyTo: CLUSTER
    match: {cluster: {service: reviews.default.svc.cluster.local}}
    patch:
      operation: MERGE
      value: {connect_timeout: 3s}
  - applyTo: NETWORK_FILTER
    match: {context: SIDECAR_OUTBOUND, listener: {portNumber: 9080, filterChain: {filter: {name: envoy.filters.network.http_connection_manager}}}}
    patch:
      operation: MERGE
      value:
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: wrong-type
          cluster: x
${insertFirst("good").replace("  configPatches:\n", "")}`,
    );
    const { out, push } = gen(ef, PRODUCTPAGE, TYPE_URL.LISTENER);
    assert.deepEqual(httpFilterNames(out.get("0.0.0.0_9080") as Json).slice(0, 1), ["good"]);
    const clusters = generate(proxyFromNode(PRODUCTPAGE, push.registry), push, TYPE_URL.CLUSTER);
    assert.equal(
      clusters.get("outbound|9080||reviews.default.svc.cluster.local")?.connect_timeout,
      "3s",
    );
    const problems = push.envoyFilters.problems.join("\n");
    assert.match(problems, /EnvoyFilter default\/bad configPatches\[0\]: .*no_such_field/);
    assert.match(
      problems,
      /EnvoyFilter default\/bad NETWORK_FILTER MERGE: unknown field "cluster"/,
    );
    // The failed MERGE left the HCM as generated.
    const hcm = (
      ((out.get("0.0.0.0_9080") as Json).filter_chains as Json[])[0].filters as Json[]
    )[0];
    assert.equal((hcm.typed_config as Json).stat_prefix, "outbound_0.0.0.0_9080");
  });
});
