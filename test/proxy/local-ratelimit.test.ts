// envoy.filters.http.local_ratelimit through a real proxy, configured as Istio's local rate limit
// task does (a TypedStruct from an EnvoyFilter): the bucket runs out → 429 local_rate_limited
// with x-local-rate-limit and flag RL; per-route buckets; shadow mode (not enforced); refill.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  type Backend,
  httpListener,
  ROUTER,
  request,
  startBackend,
  startProxy,
  staticCluster,
  type TestProxy,
} from "./helpers.ts";

const LRL = "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit";
const PERCENT_100 = { default_value: { numerator: 100, denominator: "HUNDRED" } };
let a: Backend;
let px: TestProxy;

/** The filter as Istio's task writes it: udpa TypedStruct around the LocalRateLimit. */
function istioFilter(value: Record<string, unknown>) {
  return {
    name: "envoy.filters.http.local_ratelimit",
    typed_config: {
      "@type": "type.googleapis.com/udpa.type.v1.TypedStruct",
      type_url: LRL,
      value,
    },
  };
}

const bucket = (max: number, interval: string) => ({
  max_tokens: max,
  tokens_per_fill: max,
  fill_interval: interval,
});

function listener(name: string, filter: unknown, routes: unknown[]) {
  return httpListener(
    name,
    { name, virtual_hosts: [{ name: "vh", domains: ["*"], routes }] },
    { http_filters: [filter, ROUTER] },
  );
}

const toA = (prefix: string, extra: Record<string, unknown> = {}) => ({
  match: { prefix },
  route: { cluster: "A" },
  ...extra,
});

before(async () => {
  a = await startBackend("A");
  px = await startProxy({
    static_resources: {
      clusters: [staticCluster("A", a.port)],
      listeners: [
        listener(
          "global",
          istioFilter({
            stat_prefix: "http_local_rate_limiter",
            token_bucket: bucket(4, "60s"),
            filter_enabled: { runtime_key: "local_rate_limit_enabled", ...PERCENT_100 },
            filter_enforced: { runtime_key: "local_rate_limit_enforced", ...PERCENT_100 },
            response_headers_to_add: [
              {
                append_action: "APPEND_IF_EXISTS_OR_ADD",
                header: { key: "x-local-rate-limit", value: "true" },
              },
            ],
          }),
          [toA("/")],
        ),
        listener("perroute", istioFilter({ stat_prefix: "http_local_rate_limiter" }), [
          toA("/limited", {
            typed_per_filter_config: {
              "envoy.filters.http.local_ratelimit": {
                "@type": LRL,
                stat_prefix: "route_limiter",
                token_bucket: bucket(1, "60s"),
                filter_enabled: PERCENT_100,
                filter_enforced: PERCENT_100,
              },
            },
          }),
          toA("/refill", {
            typed_per_filter_config: {
              "envoy.filters.http.local_ratelimit": {
                "@type": LRL,
                stat_prefix: "refill_limiter",
                token_bucket: bucket(1, "0.3s"),
                filter_enabled: PERCENT_100,
                filter_enforced: PERCENT_100,
                enable_x_ratelimit_headers: "DRAFT_VERSION_03",
              },
            },
          }),
          toA("/"),
        ]),
        listener(
          "shadow",
          istioFilter({
            stat_prefix: "shadow_limiter",
            token_bucket: bucket(1, "60s"),
            filter_enabled: PERCENT_100,
            request_headers_to_add_when_not_enforced: [
              { header: { key: "x-would-be-limited", value: "yes" } },
            ],
          }),
          [toA("/")],
        ),
      ],
    },
  });
});

after(async () => {
  await px?.stop();
  await a?.close();
});

const stats = () => request(px.running.adminPort, "/stats").then((r) => r.body);

test("Istio's task config: 4 tokens, then 429 local_rate_limited with x-local-rate-limit and RL", async () => {
  const codes: number[] = [];
  for (let i = 0; i < 6; i++) {
    const r = await request(px.port("global"), "/productpage");
    codes.push(r.status);
    if (r.status === 429) {
      assert.equal(r.body, "local_rate_limited");
      assert.equal(r.headers["x-local-rate-limit"], "true");
    } else assert.equal(r.headers["x-local-rate-limit"], undefined);
  }
  assert.deepEqual(codes, [200, 200, 200, 200, 429, 429]);
  assert.match(px.logs.at(-1) ?? "", /" 429 RL /);
  const s = await stats();
  assert.match(s, /^http_local_rate_limiter\.http_local_rate_limit\.rate_limited: 2$/m);
  assert.match(s, /^http_local_rate_limiter\.http_local_rate_limit\.enforced: 2$/m);
  assert.match(s, /^http_local_rate_limiter\.http_local_rate_limit\.ok: 4$/m);
  const prom = (await request(px.running.adminPort, "/stats/prometheus")).body;
  assert.match(prom, /^envoy_http_local_rate_limiter_http_local_rate_limit_rate_limited 2$/m);
});

test("per-route bucket: only the route that has one is limited", async () => {
  const port = px.port("perroute");
  for (let i = 0; i < 5; i++) assert.equal((await request(port, "/free")).status, 200);
  assert.equal((await request(port, "/limited")).status, 200);
  assert.equal((await request(port, "/limited")).status, 429);
  assert.match(await stats(), /^route_limiter\.http_local_rate_limit\.rate_limited: 1$/m);
});

test("not enforced: requests pass, marked with request_headers_to_add_when_not_enforced", async () => {
  const port = px.port("shadow");
  for (let i = 0; i < 3; i++) assert.equal((await request(port, "/s")).status, 200);
  assert.equal(a.seen.at(-1)!.headers["x-would-be-limited"], "yes");
  const s = await stats();
  assert.match(s, /^shadow_limiter\.http_local_rate_limit\.rate_limited: 2$/m);
  assert.doesNotMatch(s, /^shadow_limiter\.http_local_rate_limit\.enforced/m);
});

test("the bucket refills every fill_interval; x-ratelimit-* headers", async () => {
  const port = px.port("perroute");
  let limited = false;
  for (let i = 0; i < 50 && !limited; i++) {
    const r = await request(port, "/refill");
    if (r.status === 429) limited = true;
    else assert.equal(r.headers["x-ratelimit-limit"], "1");
  }
  assert.ok(limited, "the single token ran out");
  let refilled = false;
  for (let i = 0; i < 100 && !refilled; i++) {
    refilled = (await request(port, "/refill")).status === 200;
    if (!refilled) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(refilled, "a token came back");
});

test("a fill_interval under 50ms is rejected with the field named", async () => {
  await assert.rejects(
    startProxy({
      static_resources: {
        clusters: [staticCluster("A", a.port)],
        listeners: [
          listener("bad", istioFilter({ stat_prefix: "x", token_bucket: bucket(1, "0.01s") }), [
            toA("/"),
          ]),
        ],
      },
    }),
    /http_filters\[0\]\.typed_config\.token_bucket\.fill_interval: must be at least 50ms/,
  );
});
