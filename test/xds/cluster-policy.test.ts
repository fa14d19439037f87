// DestinationRule traffic policy → Envoy cluster fields, for the settings the goldens do not
// cover: locality weights with explicit failover (Istio's applyLocalityLoadBalancer) and the
// load balancer / connection pool / outlier fields the proxy's upstream tests rely on.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { PortTrafficPolicy } from "../../src/api/types/index.ts";
import { applyTrafficPolicy, type PolicyContext } from "../../src/xds/generators/cluster-policy.ts";
import type { Json } from "../../src/xds/generators/common.ts";

const ctx: PolicyContext = {
  http2: false,
  grpc: false,
  autoMtls: false,
  istioSni: "outbound_.80_._.a.default.svc.cluster.local",
  connectTimeout: "10s",
  meshExternal: false,
  localityLbSetting: { enabled: true },
};

function cluster(p: PortTrafficPolicy, c: PolicyContext = ctx): Record<string, unknown> {
  const out: Json = { name: "outbound|80||a.default.svc.cluster.local" };
  applyTrafficPolicy(out, p, c);
  return out as Record<string, unknown>;
}

test("locality weights come with distribute, or with failover plus outlier detection", () => {
  const failover = { failover: [{ from: "us-east", to: "us-west" }] };
  const weighted = (c: Record<string, unknown>) =>
    (c.common_lb_config as Record<string, unknown> | undefined)?.locality_weighted_lb_config;
  assert.deepEqual(
    weighted(cluster({ loadBalancer: { localityLbSetting: failover }, outlierDetection: {} })),
    {},
  );
  assert.equal(weighted(cluster({ loadBalancer: { localityLbSetting: failover } })), undefined);
  assert.equal(weighted(cluster({ outlierDetection: {} })), undefined);
  assert.deepEqual(
    weighted(cluster({ outlierDetection: {} }, { ...ctx, localityLbSetting: failover })),
    {},
    "the mesh-wide setting applies when the rule has none",
  );
  assert.equal(
    weighted(
      cluster({
        loadBalancer: { localityLbSetting: { ...failover, enabled: false } },
        outlierDetection: {},
      }),
    ),
    undefined,
  );
});

test("consistent hash, connection pool and outlier detection fields", () => {
  const c = cluster({
    loadBalancer: { consistentHash: { httpCookie: { name: "u", ttl: "10s" }, maglev: {} } },
    connectionPool: {
      tcp: { maxConnections: 1 },
      http: { http1MaxPendingRequests: 2, maxRequestsPerConnection: 1, maxRetries: 3 },
    },
    outlierDetection: { consecutive5xxErrors: 5, interval: "1s", baseEjectionTime: "30s" },
  });
  assert.equal(c.lb_policy, "MAGLEV");
  const t = (c.circuit_breakers as { thresholds: Record<string, unknown>[] }).thresholds[0];
  assert.equal(t.max_connections, 1);
  assert.equal(t.max_pending_requests, 2);
  assert.equal(t.max_retries, 3);
  const opts = (c.typed_extension_protocol_options as Record<string, Record<string, unknown>>)[
    "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
  ];
  assert.deepEqual(opts.common_http_protocol_options, { max_requests_per_connection: 1 });
  assert.deepEqual(c.outlier_detection, {
    enforcing_success_rate: 0,
    consecutive_5xx: 5,
    enforcing_consecutive_5xx: 100,
    interval: "1s",
    base_ejection_time: "30s",
  });
});
