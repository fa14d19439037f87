// The ADS reconnection backoff read from the bootstrap as Envoy reads it (the ADS gRPC service's
// retry_policy.retry_back_off), and the short one `mast up` gives its proxies.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseBootstrap } from "../../src/proxy/bootstrap.ts";
import { adsBackoff } from "../../src/proxy/xds/start-xds.ts";
import { proxyBootstrap } from "../../src/runtime/bootstrap.ts";

function withBackoff(retry_back_off?: Record<string, string>) {
  const envoy_grpc = {
    cluster_name: "xds",
    ...(retry_back_off ? { retry_policy: { retry_back_off } } : {}),
  };
  return parseBootstrap(
    JSON.stringify({
      dynamic_resources: { ads_config: { api_type: "GRPC", grpc_services: [{ envoy_grpc }] } },
    }),
    "test",
  );
}

describe("ADS reconnection backoff", () => {
  test("Envoy's defaults: 500 ms growing to 30 s; a base alone grows to ten times itself", () => {
    assert.deepEqual(adsBackoff(withBackoff()), { initialBackoffMs: 500, maxBackoffMs: 30_000 });
    assert.deepEqual(adsBackoff(withBackoff({ base_interval: "0.2s" })), {
      initialBackoffMs: 200,
      maxBackoffMs: 2_000,
    });
    assert.deepEqual(adsBackoff(withBackoff({ base_interval: "0.1s", max_interval: "5s" })), {
      initialBackoffMs: 100,
      maxBackoffMs: 5_000,
    });
  });

  test("bad intervals are errors naming the field", () => {
    assert.throws(
      () => adsBackoff(withBackoff({ base_interval: "2s", max_interval: "1s" })),
      /retry_policy\.retry_back_off\.max_interval: must not be less than base_interval/,
    );
    // Durations are checked with the rest of the bootstrap, against Envoy's proto.
    assert.throws(
      () => withBackoff({ base_interval: "soon" }),
      /retry_back_off\.base_interval: expected a duration such as "1\.5s", got "soon"/,
    );
  });

  test("mast up's proxies reconnect to a restarted control plane within a second", () => {
    const b = proxyBootstrap(
      {
        type: "sidecar",
        podIP: "127.42.0.1",
        podName: "reviews-v1-0",
        namespace: "default",
        labels: { app: "reviews" },
        serviceAccount: "bookinfo-reviews",
        workloadName: "reviews-v1",
      },
      { host: "127.42.0.253", port: 15010 },
    );
    assert.deepEqual(adsBackoff(parseBootstrap(JSON.stringify(b), "up")), {
      initialBackoffMs: 100,
      maxBackoffMs: 1_000,
    });
  });
});
