// Any packing and Envoy's JSON form: round trips of real Istio-shaped resources, and precise
// errors for bad input.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  decodeMessage,
  EnvoyConfigError,
  encodeMessage,
  normalizeAny,
  normalizeMessage,
  packAny,
  TYPE_URL,
  typeForUrl,
  unpackAny,
} from "../../src/envoy/index.ts";

const listener = {
  name: "0.0.0.0_9080",
  address: { socket_address: { address: "0.0.0.0", port_value: 9080 } },
  metadata: { filter_metadata: { istio: { config: "x", n: 2, ok: true, list: [1, "a", null] } } },
  listener_filters: [
    {
      name: "envoy.filters.listener.tls_inspector",
      typed_config: { "@type": TYPE_URL.TLS_INSPECTOR },
    },
  ],
  listener_filters_timeout: "0.100s",
  filter_chains: [
    {
      filter_chain_match: { application_protocols: ["http/1.1", "h2c"] },
      filters: [
        {
          name: "envoy.filters.network.http_connection_manager",
          typed_config: {
            "@type": TYPE_URL.HTTP_CONNECTION_MANAGER,
            stat_prefix: "outbound_0.0.0.0_9080",
            rds: {
              route_config_name: "9080",
              config_source: { ads: {}, resource_api_version: "V3" },
            },
            use_remote_address: false,
            stream_idle_timeout: "0s",
            common_http_protocol_options: { max_headers_count: 100, idle_timeout: "3600s" },
            http_filters: [
              {
                name: "envoy.filters.http.fault",
                typed_config: {
                  "@type": TYPE_URL.FAULT,
                  abort: {
                    http_status: 503,
                    percentage: { numerator: 50, denominator: "HUNDRED" },
                  },
                },
              },
              { name: "envoy.filters.http.router", typed_config: { "@type": TYPE_URL.ROUTER } },
            ],
          },
        },
      ],
    },
  ],
};

describe("envoy Any packing", () => {
  test("a listener with nested typed configs round-trips unchanged", () => {
    const any = packAny(TYPE_URL.LISTENER, listener);
    assert.equal(any.type_url, TYPE_URL.LISTENER);
    assert.ok(any.value.length > 100);
    const back = unpackAny(any);
    assert.deepEqual(back, {
      "@type": TYPE_URL.LISTENER,
      ...listener,
      listener_filters_timeout: "0.100s",
    });
  });

  test("durations, wrappers and enums come back canonical", () => {
    const cluster = normalizeMessage("envoy.config.cluster.v3.Cluster", {
      name: "outbound|9080|v1|reviews.default.svc.cluster.local",
      type: "EDS",
      connect_timeout: { seconds: 10 },
      eds_cluster_config: { eds_config: { ads: {} } },
      per_connection_buffer_limit_bytes: { value: 32768 },
      circuit_breakers: { thresholds: [{ max_connections: 4294967295, max_retries: "3" }] },
      lb_policy: 2,
    });
    assert.equal(cluster.connect_timeout, "10s");
    assert.equal(cluster.per_connection_buffer_limit_bytes, 32768);
    assert.deepEqual(cluster.circuit_breakers, {
      thresholds: [{ max_connections: 4294967295, max_retries: 3 }],
    });
    assert.equal(cluster.type, "EDS");
    assert.equal(cluster.lb_policy, "RING_HASH");
  });

  test("camelCase field names are accepted as Envoy's JSON parser does", () => {
    const c = normalizeMessage("envoy.config.cluster.v3.Cluster", {
      name: "a",
      connectTimeout: "1.5s",
    });
    assert.deepEqual(c, { name: "a", connect_timeout: "1.500s" });
  });

  test("a static resource with @type normalizes like an ADS one", () => {
    const fromYaml = normalizeAny(
      { "@type": TYPE_URL.LISTENER, ...listener },
      "static_resources.listeners[0]",
    );
    assert.deepEqual(fromYaml, unpackAny(packAny(TYPE_URL.LISTENER, listener)));
  });

  test("pre-packed Anys pass through nested fields", () => {
    const router = packAny(TYPE_URL.ROUTER, {});
    const hcm = { stat_prefix: "x", http_filters: [{ name: "r", typed_config: router }] };
    const back = unpackAny(packAny(TYPE_URL.HTTP_CONNECTION_MANAGER, hcm));
    assert.deepEqual(back.http_filters, [
      { name: "r", typed_config: { "@type": TYPE_URL.ROUTER } },
    ]);
  });

  test("encode/decode by message name", () => {
    const bytes = encodeMessage("envoy.config.core.v3.Node", {
      id: "sidecar~10.0.0.1~a.ns~ns.svc.cluster.local",
      metadata: { ISTIO_VERSION: "1.24" },
    });
    assert.deepEqual(decodeMessage("envoy.config.core.v3.Node", bytes), {
      id: "sidecar~10.0.0.1~a.ns~ns.svc.cluster.local",
      metadata: { ISTIO_VERSION: "1.24" },
    });
  });

  test("every TYPE_URL names a loaded message", () => {
    for (const [k, url] of Object.entries(TYPE_URL)) assert.ok(typeForUrl(url), `${k}: ${url}`);
  });
});

describe("envoy JSON form errors", () => {
  const bad = (obj: unknown, re: RegExp) =>
    assert.throws(
      () => packAny(TYPE_URL.LISTENER, obj, "Listener bad"),
      (e: unknown) => {
        assert.ok(e instanceof EnvoyConfigError);
        assert.match(e.message, re);
        return true;
      },
    );

  test("unknown field names the path", () =>
    bad(
      { name: "l", filter_chains: [{ filterz: [] }] },
      /^Listener bad\.filter_chains\[0\]\.filterz: unknown field in envoy\.config\.listener\.v3\.FilterChain$/,
    ));

  test("wrong scalar type", () => bad({ name: 5 }, /Listener bad\.name: expected a string, got 5/));

  test("bad enum value lists the allowed ones", () =>
    bad(
      { name: "l", traffic_direction: "SIDEWAYS" },
      /traffic_direction: expected one of UNSPECIFIED, INBOUND, OUTBOUND/,
    ));

  test("bad duration", () =>
    bad(
      { name: "l", listener_filters_timeout: "5 seconds" },
      /listener_filters_timeout: expected a duration/,
    ));

  test("unknown @type", () =>
    bad(
      {
        name: "l",
        filter_chains: [
          { filters: [{ name: "f", typed_config: { "@type": "type.googleapis.com/no.Such" } }] },
        ],
      },
      /filter_chains\[0\]\.filters\[0\]\.typed_config: unknown type URL "type.googleapis.com\/no.Such"/,
    ));

  test("two members of a oneof", () =>
    bad(
      {
        name: "l",
        address: { socket_address: { address: "1.2.3.4", port_value: 1, named_port: "x" } },
      },
      /address\.socket_address: only one of port_value, named_port may be set/,
    ));

  test("unknown type URL for packAny", () =>
    assert.throws(() => packAny("type.googleapis.com/x.Y", {}), /unknown type URL/));
});
