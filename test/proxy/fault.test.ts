// envoy.filters.http.fault through the proxy: a 100% abort answers locally with the configured
// status and the FI flag; a per-route override turns the abort into a delay (DI) that still
// reaches the upstream.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  type Backend,
  curl,
  HCM,
  ROUTER,
  STDOUT_LOG,
  startBackend,
  startProxy,
  staticCluster,
  type TestProxy,
} from "./helpers.ts";

const FAULT = "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault";
let a: Backend;
let px: TestProxy;

before(async () => {
  a = await startBackend("A");
  const routes = {
    name: "r",
    virtual_hosts: [
      {
        name: "vh",
        domains: ["*"],
        routes: [
          {
            match: { prefix: "/slow" },
            route: { cluster: "A" },
            typed_per_filter_config: {
              "envoy.filters.http.fault": {
                "@type": FAULT,
                delay: { fixed_delay: "0.2s", percentage: { numerator: 100 } },
              },
            },
          },
          { match: { prefix: "/" }, route: { cluster: "A" } },
        ],
      },
    ],
  };
  px = await startProxy({
    static_resources: {
      listeners: [
        {
          name: "f",
          address: { socket_address: { address: "127.0.0.1", port_value: 0 } },
          filter_chains: [
            {
              filters: [
                {
                  name: "hcm",
                  typed_config: {
                    "@type": HCM,
                    stat_prefix: "f",
                    route_config: routes,
                    access_log: [{ name: "stdout", typed_config: { "@type": STDOUT_LOG } }],
                    http_filters: [
                      {
                        name: "envoy.filters.http.fault",
                        typed_config: {
                          "@type": FAULT,
                          abort: {
                            http_status: 503,
                            percentage: { numerator: 100, denominator: "HUNDRED" },
                          },
                        },
                      },
                      ROUTER,
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [staticCluster("A", a.port)],
    },
  });
});

after(async () => {
  await px?.stop();
  await a?.close();
});

test("fault abort answers locally with FI", async () => {
  const before = a.seen.length;
  const r = await curl(["-s", "-w", " %{http_code}", `http://127.0.0.1:${px.port("f")}/x`]);
  assert.equal(r.stdout, "fault filter abort 503");
  assert.equal(a.seen.length, before);
  assert.match(px.logs.join(""), /"GET \/x HTTP\/1.1" 503 FI /);
});

test("per-route fault config delays instead (DI) and forwards", async () => {
  const t0 = performance.now();
  const r = await curl([`http://127.0.0.1:${px.port("f")}/slow`]);
  assert.equal(r.stdout, "A GET /slow");
  assert.ok(performance.now() - t0 >= 190);
  assert.match(px.logs.join(""), /"GET \/slow HTTP\/1.1" 200 DI /);
});
