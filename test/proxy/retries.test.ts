// Retries, timeouts and circuit breaking through a real proxy: every retry_on condition Istio
// and Envoy use, per-try timeouts, the overall route timeout across retries (UT), previous-hosts
// re-picks, POST bodies replayed (and not retried past the buffer limit), URX when retries run
// out, and the max_requests / max_pending_requests / max_retries breakers answering 503 UO.

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

let flaky: Backend;
let ok1: Backend;
let ok2: Backend;
let held: Backend;
let closedPort = 0;
let px: TestProxy;
/** Attempts per x-id, and how each x-id should fail: `<count>:<how>`. */
const attempts = new Map<string, number>();
const release: (() => void)[] = [];

before(async () => {
  flaky = await startBackend("flaky", (req, res, body) => {
    const id = String(req.headers["x-id"]);
    const n = (attempts.get(id) ?? 0) + 1;
    attempts.set(id, n);
    const [count, how] = String(req.headers["x-fail"] ?? "0:503").split(":");
    res.setHeader("x-backend", "flaky");
    res.setHeader("x-attempt", String(req.headers["x-envoy-attempt-count"] ?? ""));
    if (n > Number(count)) return res.end(`ok ${n} ${body.length}`);
    if (how === "reset") return req.socket.destroy();
    if (how === "slow") return void setTimeout(() => res.end("late"), 1000).unref();
    if (how === "header") {
      res.setHeader("x-retry-me", "yes");
      return res.end("flag");
    }
    res.statusCode = Number(how);
    res.end(`fail ${n}`);
  });
  ok1 = await startBackend("ok1");
  ok2 = await startBackend("ok2");
  held = await startBackend("held", (_req, res) => {
    release.push(() => res.end("held"));
  });
  const gone = net.createServer();
  await new Promise<void>((r) => gone.listen(0, "127.0.0.1", r));
  closedPort = (gone.address() as AddressInfo).port;
  await new Promise((r) => gone.close(r));

  const retry = (retry_on: string, extra: Record<string, unknown> = {}) => ({
    retry_on,
    num_retries: 2,
    retry_back_off: { base_interval: "0.001s" },
    ...extra,
  });
  const route = (prefix: string, cluster: string, extra: Record<string, unknown> = {}) => ({
    match: { prefix },
    route: { cluster, ...extra },
  });
  const cluster = (name: string, ports: number[], extra: Record<string, unknown> = {}) => ({
    name,
    type: "STATIC",
    connect_timeout: "1s",
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: ports.map((p) => lbEndpoint(p)) }],
    },
    ...extra,
  });
  // A hash balancer re-picks with a moved hash, which lands on the failing host again with the
  // share of the ring it owns (uneven with 3 hosts; the ephemeral ports decide): 50 attempts make
  // the hash test independent of that share (5 failed now and then).
  const previousHosts = {
    retry_host_predicate: [{ name: "envoy.retry_host_predicates.previous_hosts" }],
    host_selection_retry_max_attempts: "50",
  };
  px = await startProxy(
    routedBootstrap(
      [
        route("/5xx", "flaky", { retry_policy: retry("5xx") }),
        route("/gateway", "flaky", { retry_policy: retry("gateway-error") }),
        route("/4xx", "flaky", { retry_policy: retry("retriable-4xx") }),
        route("/codes", "flaky", {
          retry_policy: retry("retriable-status-codes", { retriable_status_codes: [418] }),
        }),
        route("/headers", "flaky", {
          retry_policy: retry("retriable-headers", {
            retriable_headers: [{ name: "x-retry-me", string_match: { exact: "yes" } }],
          }),
        }),
        route("/reset", "flaky", { retry_policy: retry("reset") }),
        route("/connect", "halfdown", { retry_policy: retry("connect-failure", previousHosts) }),
        route("/pertry", "flaky", {
          retry_policy: retry("5xx", { per_try_timeout: "0.1s" }),
        }),
        route("/overall", "flaky", {
          timeout: "0.3s",
          retry_policy: retry("5xx", { per_try_timeout: "0.2s", num_retries: 5 }),
        }),
        {
          ...route("/smallbuf", "flaky", { retry_policy: retry("5xx") }),
          per_request_buffer_limit_bytes: 1024,
        },
        route("/hash/nph", "hashed", {
          retry_policy: retry("5xx"),
          hash_policy: [{ header: { header_name: "x-k" } }],
        }),
        route("/hash/ph", "hashed", {
          retry_policy: retry("5xx", previousHosts),
          hash_policy: [{ header: { header_name: "x-k" } }],
        }),
        route("/retryoverflow", "noretries", { retry_policy: retry("5xx") }),
        route("/maxreq", "maxreq"),
        route("/pending", "pending"),
        route("/perconn", "perconn"),
        route("/mirror/none", "ok1", {
          request_mirror_policies: [
            { cluster: "shadow", runtime_fraction: { default_value: { numerator: 0 } } },
          ],
        }),
        route("/mirror", "ok1", {
          request_mirror_policies: [{ cluster: "shadow" }, { cluster: "shadowdown" }],
        }),
      ],
      [
        cluster("flaky", [flaky.port]),
        cluster("halfdown", [closedPort, ok1.port], { lb_policy: "ROUND_ROBIN" }),
        cluster("hashed", [flaky.port, ok1.port, ok2.port], { lb_policy: "RING_HASH" }),
        cluster("noretries", [flaky.port], {
          circuit_breakers: { thresholds: [{ max_retries: 0 }] },
        }),
        cluster("maxreq", [held.port], { circuit_breakers: { thresholds: [{ max_requests: 1 }] } }),
        cluster("pending", [held.port], {
          circuit_breakers: { thresholds: [{ max_connections: 1, max_pending_requests: 1 }] },
        }),
        cluster("perconn", [ok2.port], {
          typed_extension_protocol_options: {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
              "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
              common_http_protocol_options: { max_requests_per_connection: 1 },
              explicit_http_config: { http_protocol_options: {} },
            },
          },
        }),
        cluster("ok1", [ok1.port]),
        cluster("shadow", [ok2.port]),
        cluster("shadowdown", [closedPort]),
      ],
    ),
  );
});

after(async () => {
  for (const r of release) r();
  await px?.stop();
  for (const b of [flaky, ok1, ok2, held]) await b?.close();
});

let nextId = 0;
function send(path: string, fail: string, opts: { method?: string; body?: string } = {}) {
  const id = `r${++nextId}`;
  return request(px.port("l"), path, {
    method: opts.method,
    body: opts.body,
    headers: { "x-id": id, "x-fail": fail },
  }).then((r) => ({ ...r, attempts: attempts.get(id) ?? 0 }));
}

const lastLog = () => px.logs.at(-1) ?? "";
const stats = () => request(px.running.adminPort, "/stats").then((r) => r.body);

test("5xx: two failures, success on the third attempt; x-envoy-attempt-count goes up", async () => {
  const r = await send("/5xx", "2:503");
  assert.equal(r.status, 200);
  assert.equal(r.body, "ok 3 0");
  assert.equal(r.attempts, 3);
  assert.match(await stats(), /^cluster\.flaky\.upstream_rq_retry: [2-9]/m);
  assert.match(await stats(), /^cluster\.flaky\.upstream_rq_retry_success: [1-9]/m);
});

test("retries run out: the last response goes back with URX", async () => {
  const r = await send("/5xx", "9:500");
  assert.equal(r.status, 500);
  assert.equal(r.attempts, 3);
  assert.match(lastLog(), /" 500 URX /);
});

test("gateway-error retries 502/503/504 only; retriable-4xx retries 409", async () => {
  assert.equal((await send("/gateway", "1:502")).status, 200);
  const five = await send("/gateway", "1:500");
  assert.equal(five.status, 500);
  assert.equal(five.attempts, 1);
  assert.equal((await send("/4xx", "1:409")).status, 200);
  assert.equal((await send("/4xx", "1:403")).status, 403);
});

test("retriable-status-codes and retriable-headers", async () => {
  assert.equal((await send("/codes", "1:418")).attempts, 2);
  assert.equal((await send("/codes", "1:500")).attempts, 1);
  const h = await send("/headers", "1:header");
  assert.equal(h.body, "ok 2 0");
});

test("reset: a connection closed before the response is retried", async () => {
  const r = await send("/reset", "1:reset");
  assert.equal(r.status, 200);
  assert.equal(r.attempts, 2);
});

test("connect-failure with previous_hosts: the retry goes to the host that is up", async () => {
  for (let i = 0; i < 6; i++) {
    const r = await request(px.port("l"), "/connect");
    assert.equal(r.status, 200);
    assert.equal(r.headers["x-backend"], "ok1");
  }
});

test("per_try_timeout: a slow first attempt is cut and retried", async () => {
  const r = await send("/pertry", "1:slow");
  assert.equal(r.status, 200);
  assert.equal(r.attempts, 2);
  assert.match(await stats(), /^cluster\.flaky\.upstream_rq_per_try_timeout: [1-9]/m);
});

test("the route timeout covers all attempts: 504 UT", async () => {
  const r = await send("/overall", "9:slow");
  assert.equal(r.status, 504);
  assert.equal(r.body, "upstream request timeout");
  assert.ok(r.attempts <= 2, `${r.attempts} attempts`);
  assert.match(lastLog(), /" 504 UT /);
});

test("a POST body is replayed on retry; past the buffer limit it is not retried", async () => {
  const body = "x".repeat(4096);
  const r = await send("/5xx", "1:503", { method: "POST", body });
  assert.equal(r.body, "ok 2 4096");
  const big = await send("/smallbuf", "1:503", { method: "POST", body });
  assert.equal(big.status, 503);
  assert.equal(big.attempts, 1);
  const small = await send("/smallbuf", "1:503", { method: "POST", body: "tiny" });
  assert.equal(small.body, "ok 2 4");
});

test("previous_hosts moves a retry off the host a hash keeps choosing", async () => {
  let found = 0;
  for (let k = 0; k < 40 && found < 3; k++) {
    const headers = { "x-k": `k${k}`, "x-id": `h${k}`, "x-fail": "99:503" };
    const nph = await request(px.port("l"), "/hash/nph", { headers });
    if (nph.headers["x-backend"] !== "flaky") continue;
    found++;
    assert.equal(nph.status, 503, `without the predicate every retry hits one host: ${nph.body}`);
    const ph = await request(px.port("l"), "/hash/ph", {
      headers: { ...headers, "x-id": `p${k}` },
    });
    assert.equal(ph.status, 200, `${ph.body} ${px.logs.at(-1)}`);
  }
  assert.ok(found > 0);
});

test("max_retries 0: a retriable response is not retried and is flagged UO", async () => {
  const r = await send("/retryoverflow", "1:503");
  assert.equal(r.status, 503);
  assert.equal(r.attempts, 1);
  assert.match(lastLog(), /" 503 UO /);
  assert.match(await stats(), /^cluster\.noretries\.upstream_rq_retry_overflow: 1$/m);
});

async function waitFor(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test("max_requests: a second concurrent request gets 503 UO with x-envoy-overloaded", async () => {
  const first = request(px.port("l"), "/maxreq");
  await waitFor("the first request upstream", () => release.length === 1);
  const second = await request(px.port("l"), "/maxreq");
  assert.equal(second.status, 503);
  assert.equal(second.headers["x-envoy-overloaded"], "true");
  assert.match(second.body, /reset reason: overflow/);
  assert.match(lastLog(), /" 503 UO /);
  release.shift()!();
  assert.equal((await first).status, 200);
});

test("max_connections 1 + max_pending_requests 1: the third concurrent request overflows", async () => {
  const first = request(px.port("l"), "/pending");
  await waitFor("the first request upstream", () => release.length === 1);
  const second = request(px.port("l"), "/pending");
  await waitFor("the second request pending", async () =>
    /^cluster\.pending\.upstream_cx_overflow: 1$/m.test(await stats()),
  );
  const third = await request(px.port("l"), "/pending");
  assert.equal(third.status, 503);
  assert.equal(third.headers["x-envoy-overloaded"], "true");
  release.shift()!();
  await waitFor("the pending request upstream", () => release.length === 1);
  release.shift()!();
  assert.equal((await first).status, 200);
  assert.equal((await second).status, 200);
});

test("max_requests_per_connection 1: every request gets a new upstream connection", async () => {
  const before = ok2.seen.length;
  for (let i = 0; i < 3; i++) await request(px.port("l"), "/perconn");
  const conns = new Set(ok2.seen.slice(before).map((s) => s.connection));
  assert.equal(conns.size, 3);
});

test("mirroring: the shadow gets the POST body and a -shadow host; the main answer is untouched", async () => {
  const before = ok2.seen.length;
  const r = await request(px.port("l"), "/mirror", {
    method: "POST",
    body: "mirrored body",
    headers: { host: "svc.example:8080" },
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers["x-backend"], "ok1");
  await waitFor("the shadow request", () => ok2.seen.length > before);
  const shadow = ok2.seen.at(-1)!;
  assert.equal(shadow.headers.host, "svc.example-shadow:8080");
  assert.equal(shadow.body.toString(), "mirrored body");
  assert.equal(shadow.method, "POST");
  const n = ok2.seen.length;
  await request(px.port("l"), "/mirror/none");
  assert.equal(ok2.seen.length, n, "runtime_fraction 0 mirrors nothing");
});

test("x-envoy-upstream-rq-timeout-ms overrides the route timeout; the upstream sees the expected timeout", async () => {
  const r = await request(px.port("l"), "/5xx", {
    headers: { "x-id": "t1", "x-fail": "9:slow", "x-envoy-upstream-rq-timeout-ms": "100" },
  });
  assert.equal(r.status, 504);
  assert.match(lastLog(), /" 504 UT /);
  const seen = flaky.seen.find((s) => s.headers["x-id"] === "t1");
  assert.ok(seen);
  assert.equal(seen.headers["x-envoy-expected-rq-timeout-ms"], "100");
  assert.equal(
    seen.headers["x-envoy-upstream-rq-timeout-ms"],
    undefined,
    "consumed, not forwarded",
  );
  const p = await request(px.port("l"), "/pertry", {
    headers: { "x-id": "t2", "x-envoy-upstream-rq-per-try-timeout-ms": "50" },
  });
  assert.equal(p.status, 200);
  const seen2 = flaky.seen.find((s) => s.headers["x-id"] === "t2");
  assert.equal(seen2?.headers["x-envoy-expected-rq-timeout-ms"], "50");
});
