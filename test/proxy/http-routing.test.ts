// End to end through `mast proxy`'s HTTP path with curl: routing by path, header and query,
// weighted clusters, rewrites, redirects, direct responses, header ops, response flags and the
// access log in Envoy's default format.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  type Backend,
  curl,
  httpListener,
  parseCurlI,
  startBackend,
  startProxy,
  staticCluster,
  type TestProxy,
} from "./helpers.ts";

describe("proxy HTTP routing (curl, HTTP/1.1)", () => {
  let a: Backend;
  let b: Backend;
  let px: TestProxy;
  let base: string;

  before(async () => {
    a = await startBackend("A");
    b = await startBackend("B");
    const routes = {
      name: "local",
      virtual_hosts: [
        {
          name: "vh",
          domains: ["*"],
          response_headers_to_add: [{ header: { key: "x-vh", value: "1" } }],
          routes: [
            {
              match: {
                prefix: "/hdr",
                headers: [{ name: "x-canary", string_match: { exact: "yes" } }],
              },
              route: { cluster: "B" },
            },
            {
              match: {
                prefix: "/q",
                query_parameters: [{ name: "v", string_match: { exact: "2" } }],
              },
              route: { cluster: "B" },
            },
            {
              match: { safe_regex: { regex: "/re/[0-9]+" } },
              route: {
                cluster: "B",
                regex_rewrite: { pattern: { regex: "^/re/([0-9]+)$" }, substitution: "/num/\\1" },
              },
            },
            {
              match: { prefix: "/old/" },
              route: {
                cluster: "A",
                prefix_rewrite: "/new/",
                host_rewrite_literal: "rewritten.example",
              },
            },
            {
              match: { path: "/redirect" },
              redirect: {
                https_redirect: true,
                host_redirect: "secure.example",
                path_redirect: "/there",
              },
            },
            {
              match: { path: "/direct" },
              direct_response: { status: 418, body: { inline_string: "teapot" } },
            },
            {
              match: { prefix: "/split" },
              route: {
                weighted_clusters: {
                  clusters: [
                    { name: "A", weight: 0 },
                    { name: "B", weight: 100 },
                  ],
                },
              },
            },
            { match: { prefix: "/nocluster" }, route: { cluster: "missing" } },
            { match: { prefix: "/dead" }, route: { cluster: "dead" } },
            {
              match: { prefix: "/" },
              route: { cluster: "A" },
              request_headers_to_add: [{ header: { key: "x-added", value: "v" } }],
              request_headers_to_remove: ["x-drop"],
            },
          ],
        },
        {
          name: "other",
          domains: ["other.example", "*.wild.example"],
          routes: [{ match: { prefix: "/" }, route: { cluster: "B" } }],
        },
      ],
    };
    px = await startProxy({
      static_resources: {
        listeners: [httpListener("http", routes)],
        clusters: [
          staticCluster("A", a.port),
          staticCluster("B", b.port),
          staticCluster("dead", 1),
        ],
      },
    });
    base = `http://127.0.0.1:${px.port("http")}`;
  });
  after(async () => {
    await px?.stop();
    await a?.close();
    await b?.close();
  });

  const get = async (path: string, ...args: string[]) =>
    parseCurlI((await curl(["-i", ...args, base + path])).stdout);

  test("default route, request header ops, forwarding headers", async () => {
    const r = await get("/hello?x=1", "-H", "x-drop: 1");
    assert.equal(r.status, 200);
    assert.equal(r.body, "A GET /hello?x=1");
    assert.equal(r.headers.get("x-vh"), "1");
    assert.equal(r.headers.get("server"), "envoy");
    assert.match(r.headers.get("x-envoy-upstream-service-time") ?? "", /^\d+$/);
    const seen = a.seen.at(-1)!;
    assert.equal(seen.headers["x-added"], "v");
    assert.equal(seen.headers["x-drop"], undefined);
    assert.match(String(seen.headers["x-request-id"]), /^[0-9a-f-]{36}$/);
    assert.equal(seen.headers["x-forwarded-proto"], "http");
    assert.equal(seen.headers.host, `127.0.0.1:${px.port("http")}`);
  });

  test("header, query and regex matches", async () => {
    assert.equal((await get("/hdr", "-H", "x-canary: yes")).body, "B GET /hdr");
    assert.equal((await get("/hdr")).body, "A GET /hdr");
    assert.equal((await get("/q?v=2")).body, "B GET /q?v=2");
    assert.equal((await get("/q?v=3")).body, "A GET /q?v=3");
    assert.equal((await get("/re/42")).body, "B GET /num/42");
    assert.equal((await get("/re/x")).body, "A GET /re/x");
  });

  test("prefix and host rewrite keep the original path header", async () => {
    assert.equal((await get("/old/x?y")).body, "A GET /new/x?y");
    const seen = a.seen.at(-1)!;
    assert.equal(seen.headers.host, "rewritten.example");
    assert.equal(seen.headers["x-envoy-original-path"], "/old/x?y");
  });

  test("virtual hosts by exact and wildcard domain", async () => {
    assert.equal((await get("/", "-H", "Host: other.example")).body, "B GET /");
    assert.equal((await get("/", "-H", "Host: a.wild.example")).body, "B GET /");
    assert.equal((await get("/", "-H", "Host: nope.example")).body, "A GET /");
  });

  test("redirect, direct response, weighted clusters", async () => {
    const r = await get("/redirect");
    assert.equal(r.status, 301);
    assert.equal(r.headers.get("location"), "https://secure.example/there");
    const d = await get("/direct");
    assert.equal(d.status, 418);
    assert.equal(d.body, "teapot");
    for (let i = 0; i < 5; i++) assert.equal((await get("/split")).body, "B GET /split");
  });

  test("failures carry Envoy's status, body and response flag", async () => {
    const nc = await get("/nocluster");
    assert.equal(nc.status, 503);
    const uf = await get("/dead");
    assert.equal(uf.status, 503);
    assert.match(
      uf.body,
      /^upstream connect error or disconnect\/reset before headers. reset reason: connection failure/,
    );
    const logs = px.logs.join("");
    assert.match(logs, /"GET \/nocluster HTTP\/1.1" 503 NC /);
    assert.match(logs, /"GET \/dead HTTP\/1.1" 503 UF /);
  });

  test("access log line is Envoy's default format", async () => {
    await get("/fmt", "-A", "curl-test");
    const line = px.logs.find((l) => l.includes("/fmt"))!;
    assert.match(
      line,
      /^\[\d{4}-\d\d-\d\dT[\d:.]+Z\] "GET \/fmt HTTP\/1.1" 200 - 0 10 \d+ \d+ "-" "curl-test" "[0-9a-f-]{36}" "127.0.0.1:\d+" "127.0.0.1:\d+"\n$/,
    );
  });

  test("POST bodies, chunked and with content-length, arrive intact", async () => {
    await get("/post", "-X", "POST", "--data-binary", "hello body");
    assert.equal(a.seen.at(-1)!.body.toString(), "hello body");
    await get(
      "/chunk",
      "-X",
      "POST",
      "-H",
      "Transfer-Encoding: chunked",
      "--data-binary",
      "chunky",
    );
    assert.equal(a.seen.at(-1)!.body.toString(), "chunky");
  });

  test("admin: ready, config_dump, clusters, listeners, stats", async () => {
    const admin = `http://127.0.0.1:${px.running.adminPort}`;
    assert.equal((await curl([`${admin}/ready`])).stdout, "LIVE\n");
    const dump = JSON.parse((await curl([`${admin}/config_dump`])).stdout);
    assert.deepEqual(
      dump.configs.map((c: { "@type": string }) => c["@type"].split(".").at(-1)),
      [
        "BootstrapConfigDump",
        "ClustersConfigDump",
        "ListenersConfigDump",
        "RoutesConfigDump",
        "SecretsConfigDump",
      ],
    );
    assert.equal(dump.configs[1].static_clusters.length, 3);
    assert.match(
      (await curl([`${admin}/clusters`])).stdout,
      /^A::127\.0\.0\.1:\d+::rq_total::\d+$/m,
    );
    assert.match((await curl([`${admin}/listeners`])).stdout, /^http::127\.0\.0\.1:\d+$/m);
    assert.match((await curl([`${admin}/stats`])).stdout, /^cluster\.A\.upstream_rq_200: \d+$/m);
    const prom = (await curl([`${admin}/stats/prometheus`])).stdout;
    assert.match(
      prom,
      /^envoy_cluster_upstream_rq\{envoy_cluster_name="A",envoy_response_code="200"\} \d+$/m,
    );
    const ready = await curl([
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      `http://127.0.0.1:${px.running.readinessPort}/healthz/ready`,
    ]);
    assert.equal(ready.stdout, "200");
  });
});
