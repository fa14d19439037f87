// Outlier detection and active health checking through a real proxy: hosts ejected on
// consecutive 5xx / gateway / local-origin failures (with Envoy's stats and /clusters flags),
// max_ejection_percent, ejection time growing with the ejection count, HTTP and TCP health
// checks taking hosts out and bringing them back.

import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { after, before, test } from "node:test";
import {
  type Backend,
  lbEndpoint,
  request,
  routedBootstrap,
  startBackend,
  startProxy,
  type TestProxy,
} from "./helpers.ts";

const statusOf = new Map<string, number>();
const healthOf = new Map<string, number>();
const backends = new Map<string, Backend>();
let closedPort = 0;
let tcpPong: net.Server;
let px: TestProxy;

async function backend(name: string, status: number): Promise<Backend> {
  statusOf.set(name, status);
  healthOf.set(name, 200);
  const b = await startBackend(name, (req, res) => {
    res.setHeader("x-backend", name);
    res.statusCode = req.url === "/healthz" ? healthOf.get(name)! : statusOf.get(name)!;
    res.end(name);
  });
  backends.set(name, b);
  return b;
}

const ep = (name: string) => lbEndpoint(backends.get(name)!.port);

function cluster(name: string, hosts: string[], extra: Record<string, unknown>) {
  return {
    name,
    type: "STATIC",
    connect_timeout: "1s",
    lb_policy: "ROUND_ROBIN",
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: hosts.map(ep) }] },
    ...extra,
  };
}

before(async () => {
  for (const [n, s] of [
    ["ok1", 200],
    ["bad1", 500],
    ["ok2", 200],
    ["gw2", 503],
    ["ok3", 200],
    ["x1", 500],
    ["x2", 500],
    ["x3", 500],
    ["ok4", 200],
    ["flap4", 500],
    ["hc1", 200],
    ["hc2", 200],
  ] as const)
    await backend(n, s);
  healthOf.set("hc2", 503);
  const gone = net.createServer();
  await new Promise<void>((r) => gone.listen(0, "127.0.0.1", r));
  closedPort = (gone.address() as AddressInfo).port;
  await new Promise((r) => gone.close(r));
  tcpPong = net.createServer((s) =>
    s.on("data", (d) => {
      if (d.toString() === "ping") s.write("pong");
    }),
  );
  await new Promise<void>((r) => tcpPong.listen(0, "127.0.0.1", r));
  const tcpPort = (tcpPong.address() as AddressInfo).port;
  const od = (extra: Record<string, unknown>) => ({
    outlier_detection: {
      interval: "0.05s",
      base_ejection_time: "30s",
      max_ejection_percent: 100,
      ...extra,
    },
  });
  const route = (c: string) => ({ match: { prefix: `/${c}` }, route: { cluster: c } });
  px = await startProxy(
    routedBootstrap(
      ["c5xx", "gw", "offgw", "local", "maxpct", "backoff", "hchttp", "hctcp"].map(route),
      [
        cluster("c5xx", ["ok1", "bad1"], od({ consecutive_5xx: 3 })),
        cluster(
          "gw",
          ["ok2", "gw2"],
          od({ consecutive_gateway_failure: 2, enforcing_consecutive_gateway_failure: 100 }),
        ),
        // Envoy's default enforcing_consecutive_gateway_failure is 0: detected, not ejected
        cluster(
          "offgw",
          ["ok2", "gw2"],
          od({ consecutive_gateway_failure: 2, consecutive_5xx: 1000 }),
        ),
        {
          ...cluster("local", ["ok3"], od({})),
          load_assignment: {
            cluster_name: "local",
            endpoints: [{ lb_endpoints: [ep("ok3"), lbEndpoint(closedPort)] }],
          },
          ...od({ split_external_local_origin_errors: true, consecutive_local_origin_failure: 2 }),
        },
        cluster("maxpct", ["x1", "x2", "x3"], od({ consecutive_5xx: 1, max_ejection_percent: 50 })),
        cluster(
          "backoff",
          ["ok4", "flap4"],
          od({ consecutive_5xx: 1, base_ejection_time: "0.2s" }),
        ),
        cluster("hchttp", ["hc1", "hc2"], {
          health_checks: [
            {
              timeout: "1s",
              interval: "0.05s",
              unhealthy_threshold: 2,
              healthy_threshold: 2,
              http_health_check: { path: "/healthz" },
            },
          ],
        }),
        {
          ...cluster("hctcp", [], {}),
          load_assignment: {
            cluster_name: "hctcp",
            endpoints: [{ lb_endpoints: [lbEndpoint(tcpPort), lbEndpoint(closedPort)] }],
          },
          health_checks: [
            {
              timeout: "1s",
              interval: "10s",
              unhealthy_threshold: 1,
              healthy_threshold: 1,
              tcp_health_check: {
                send: { text: Buffer.from("ping").toString("hex") },
                receive: [{ text: Buffer.from("pong").toString("hex") }],
              },
            },
          ],
        },
      ],
    ),
  );
});

after(async () => {
  await px?.stop();
  for (const b of backends.values()) await b.close();
  await new Promise((r) => tcpPong?.close(r));
});

const admin = (path: string) => request(px.running.adminPort, path).then((r) => r.body);

async function hits(path: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await request(px.port("l"), path);
    out.push(`${r.headers["x-backend"] ?? "-"}:${r.status}`);
  }
  return out;
}

const flags = (cluster: string, host: string, text: string) =>
  new RegExp(
    `^${cluster}::127\\.0\\.0\\.1:${backends.get(host)?.port ?? closedPort}::health_flags::(.*)$`,
    "m",
  ).exec(text)?.[1];

/** Polls /clusters (bounded) until a host's health flags read as expected; returns ms waited. */
async function waitFlags(cluster: string, host: string, want: string): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < 200; i++) {
    if (flags(cluster, host, await admin("/clusters")) === want) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`${cluster} ${host} never became ${want}`);
}

test("consecutive_5xx ejects the failing host; the rest of the traffic goes to the good one", async () => {
  const first = await hits("/c5xx", 6); // round robin: bad1 answers 3 × 500
  assert.equal(first.filter((x) => x === "bad1:500").length, 3);
  assert.deepEqual(await hits("/c5xx", 10), new Array(10).fill("ok1:200"));
  const text = await admin("/clusters");
  assert.equal(flags("c5xx", "bad1", text), "/failed_outlier_check");
  assert.equal(flags("c5xx", "ok1", text), "healthy");
  const stats = await admin("/stats");
  assert.match(stats, /^cluster\.c5xx\.outlier_detection\.ejections_enforced_consecutive_5xx: 1$/m);
  assert.match(stats, /^cluster\.c5xx\.outlier_detection\.ejections_active: 1$/m);
});

test("consecutive_gateway_failure ejects when enforced, only counts when not", async () => {
  await hits("/gw", 4);
  assert.deepEqual(await hits("/gw", 4), new Array(4).fill("ok2:200"));
  await hits("/offgw", 8);
  const stats = await admin("/stats");
  assert.match(
    stats,
    /^cluster\.gw\.outlier_detection\.ejections_enforced_consecutive_gateway_failure: 1$/m,
  );
  assert.match(
    stats,
    /^cluster\.offgw\.outlier_detection\.ejections_detected_consecutive_gateway_failure: [1-9]/m,
  );
  assert.doesNotMatch(
    stats,
    /^cluster\.offgw\.outlier_detection\.ejections_enforced_total: [1-9]/m,
  );
});

test("local-origin failures (connection refused) eject with split_external_local_origin_errors", async () => {
  const r = await hits("/local", 6);
  assert.equal(r.filter((x) => x === "-:503").length, 2);
  assert.deepEqual(await hits("/local", 4), new Array(4).fill("ok3:200"));
  assert.match(
    await admin("/stats"),
    /^cluster\.local\.outlier_detection\.ejections_enforced_consecutive_local_origin_failure: 1$/m,
  );
});

test("max_ejection_percent caps how much of the cluster is ejected", async () => {
  await hits("/maxpct", 9);
  const text = await admin("/clusters");
  const ejected = ["x1", "x2", "x3"].filter(
    (h) => flags("maxpct", h, text) === "/failed_outlier_check",
  );
  assert.equal(ejected.length, 2);
  assert.match(
    await admin("/stats"),
    /^cluster\.maxpct\.outlier_detection\.ejections_overflow: [1-9]/m,
  );
});

test("a host comes back after base_ejection_time, and stays out longer the second time", async () => {
  await hits("/backoff", 2);
  const first = await waitFlags("backoff", "flap4", "healthy");
  await hits("/backoff", 2);
  assert.equal(flags("backoff", "flap4", await admin("/clusters")), "/failed_outlier_check");
  const second = await waitFlags("backoff", "flap4", "healthy");
  // 0.2 s × 1, then 0.2 s × 2 (the sweep runs every 50 ms)
  assert.ok(first >= 100, `first ejection ${first} ms`);
  assert.ok(second >= 300, `second ejection ${second} ms`);
});

test("HTTP health check keeps a failing host out and lets it back after healthy_threshold", async () => {
  await waitFlags("hchttp", "hc2", "/failed_active_hc");
  assert.deepEqual(await hits("/hchttp", 4), new Array(4).fill("hc1:200"));
  healthOf.set("hc2", 200);
  await waitFlags("hchttp", "hc2", "healthy");
  assert.ok((await hits("/hchttp", 4)).includes("hc2:200"));
  assert.match(await admin("/stats"), /^cluster\.hchttp\.health_check\.failure: [1-9]/m);
});

test("TCP health check with send/receive bytes", async () => {
  const text = await admin("/clusters");
  assert.equal(flags("hctcp", "none", text), "/failed_active_hc");
  assert.match(text, /^hctcp::127\.0\.0\.1:\d+::health_flags::healthy$/m);
});
