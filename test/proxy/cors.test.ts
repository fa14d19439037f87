// The CORS filter Istio puts in every HTTP connection manager: inert without a route policy;
// with a VirtualService corsPolicy (as the pilot translates it) preflights from an allowed origin
// are answered by the proxy and simple requests get the allow/expose headers.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  type Backend,
  httpListener,
  ROUTER,
  startBackend,
  startProxy,
  staticCluster,
  type TestProxy,
} from "./helpers.ts";

const CORS = {
  name: "envoy.filters.http.cors",
  typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors" },
};
const POLICY = "type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy";

describe("proxy CORS filter", () => {
  let a: Backend;
  let px: TestProxy;
  let base: string;

  before(async () => {
    a = await startBackend("A");
    const routes = {
      name: "local",
      virtual_hosts: [
        {
          name: "vh",
          domains: ["*"],
          routes: [
            {
              match: { prefix: "/cors" },
              route: { cluster: "A" },
              typed_per_filter_config: {
                "envoy.filters.http.cors": {
                  "@type": POLICY,
                  allow_origin_string_match: [{ exact: "https://app.example" }],
                  allow_methods: "GET,POST",
                  allow_headers: "x-token",
                  expose_headers: "x-served",
                  max_age: "86400",
                  allow_credentials: true,
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
        listeners: [httpListener("http", routes, { http_filters: [CORS, ROUTER] })],
        clusters: [staticCluster("A", a.port)],
      },
    });
    base = `http://127.0.0.1:${px.port("http")}`;
  });
  after(async () => {
    await px?.stop();
    await a?.close();
  });

  test("answers a preflight from an allowed origin itself", async () => {
    const res = await fetch(`${base}/cors/x`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example");
    assert.equal(res.headers.get("access-control-allow-methods"), "GET,POST");
    assert.equal(res.headers.get("access-control-allow-headers"), "x-token");
    assert.equal(res.headers.get("access-control-max-age"), "86400");
    assert.equal(res.headers.get("access-control-allow-credentials"), "true");
    assert.equal(a.seen.length, 0, "preflight not forwarded");
  });

  test("adds allow and expose headers to a request from an allowed origin", async () => {
    const res = await fetch(`${base}/cors/y`, { headers: { origin: "https://app.example" } });
    assert.equal(res.status, 200);
    await res.text();
    assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example");
    assert.equal(res.headers.get("access-control-expose-headers"), "x-served");
  });

  test("leaves other origins and routes without a policy alone", async () => {
    const other = await fetch(`${base}/cors/z`, { headers: { origin: "https://evil.example" } });
    await other.text();
    assert.equal(other.headers.get("access-control-allow-origin"), null);
    const plain = await fetch(`${base}/plain`, { headers: { origin: "https://app.example" } });
    await plain.text();
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get("access-control-allow-origin"), null);
  });
});
