// Load balancing through a real proxy and real backends: round robin, least request, random,
// RING_HASH and MAGLEV with every hash_policy Istio's consistentHash produces (header, generated
// cookie, source IP, query parameter), priority spill-over with the overprovisioning factor,
// panic mode, and locality weights.

import assert from "node:assert/strict";
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

const backends: Backend[] = [];
let px: TestProxy;

function cluster(name: string, endpoints: unknown[], extra: Record<string, unknown> = {}) {
  return {
    name,
    type: "STATIC",
    connect_timeout: "1s",
    load_assignment: { cluster_name: name, endpoints },
    ...extra,
  };
}

const port = (i: number) => backends[i].port;
const ep = (i: number, extra: Record<string, unknown> = {}) => lbEndpoint(port(i), extra);

before(async () => {
  for (const n of ["b0", "b1", "b2", "b3"]) backends.push(await startBackend(n));
  const three = [{ lb_endpoints: [ep(0), ep(1), ep(2)] }];
  const route = (prefix: string, c: string, extra: Record<string, unknown> = {}) => ({
    match: { prefix },
    route: { cluster: c, ...extra },
  });
  px = await startProxy(
    routedBootstrap(
      [
        route("/rr", "rr"),
        route("/lr", "lr"),
        route("/random", "random"),
        route("/ring/header", "ring", { hash_policy: [{ header: { header_name: "x-user" } }] }),
        route("/ring/query", "ring", { hash_policy: [{ query_parameter: { name: "u" } }] }),
        route("/maglev/cookie", "maglev", {
          hash_policy: [{ cookie: { name: "sticky", ttl: "60s", path: "/" } }],
        }),
        route("/maglev/ip", "maglev", {
          hash_policy: [{ connection_properties: { source_ip: true } }],
        }),
        route("/priority", "priority"),
        route("/panic", "panic"),
        route("/nopanic", "nopanic"),
        route("/locality", "locality"),
      ],
      [
        cluster("rr", three, { lb_policy: "ROUND_ROBIN" }),
        cluster("lr", three, { lb_policy: "LEAST_REQUEST" }),
        cluster("random", three, { lb_policy: "RANDOM" }),
        cluster("ring", three, {
          lb_policy: "RING_HASH",
          ring_hash_lb_config: { minimum_ring_size: "1024" },
        }),
        cluster("maglev", three, { lb_policy: "MAGLEV" }),
        // P0 has 1 of 2 hosts healthy: health min(100, 1.4 × 50%) = 70%, so 30% spills to P1
        cluster("priority", [
          { priority: 0, lb_endpoints: [ep(0), ep(1, { health_status: "UNHEALTHY" })] },
          { priority: 1, lb_endpoints: [ep(3)] },
        ]),
        // 1 of 3 healthy is under the default 50% panic threshold: all three take traffic
        cluster("panic", [
          {
            lb_endpoints: [
              ep(0),
              ep(1, { health_status: "UNHEALTHY" }),
              ep(2, { health_status: "DRAINING" }),
            ],
          },
        ]),
        cluster(
          "nopanic",
          [
            {
              lb_endpoints: [
                ep(0),
                ep(1, { health_status: "UNHEALTHY" }),
                ep(2, { health_status: "DRAINING" }),
              ],
            },
          ],
          { common_lb_config: { healthy_panic_threshold: { value: 0 } } },
        ),
        cluster(
          "locality",
          [
            { locality: { zone: "a" }, load_balancing_weight: 1, lb_endpoints: [ep(0)] },
            { locality: { zone: "b" }, load_balancing_weight: 3, lb_endpoints: [ep(1), ep(2)] },
          ],
          { common_lb_config: { locality_weighted_lb_config: {} } },
        ),
      ],
    ),
  );
});

after(async () => {
  await px?.stop();
  for (const b of backends) await b.close();
});

/** Sends n requests and counts answers per backend name. */
async function spread(
  path: string,
  n: number,
  headers: Record<string, string> = {},
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const r = await request(px.port("l"), path, { headers });
    assert.equal(r.status, 200, r.body);
    const name = String(r.headers["x-backend"]);
    out.set(name, (out.get(name) ?? 0) + 1);
  }
  return out;
}

test("ROUND_ROBIN spreads evenly", async () => {
  const s = await spread("/rr", 30);
  assert.deepEqual([...s.values()], [10, 10, 10]);
});

test("LEAST_REQUEST and RANDOM use every host", async () => {
  for (const path of ["/lr", "/random"]) {
    const s = await spread(path, 60);
    assert.equal(s.size, 3, `${path}: ${[...s]}`);
  }
});

test("RING_HASH on a header: one key, one host; many keys, many hosts", async () => {
  for (const user of ["alice", "bob"]) {
    const s = await spread("/ring/header", 10, { "x-user": user });
    assert.equal(s.size, 1, `${user}: ${[...s]}`);
  }
  const hosts = new Set<string>();
  for (let i = 0; i < 30; i++) {
    const r = await request(px.port("l"), "/ring/header", { headers: { "x-user": `u${i}` } });
    hosts.add(String(r.headers["x-backend"]));
  }
  assert.equal(hosts.size, 3);
});

test("RING_HASH on a query parameter", async () => {
  const hosts = new Set<string>();
  for (let i = 0; i < 30; i++) {
    const a = await request(px.port("l"), `/ring/query?u=${i}&x=1`);
    const b = await request(px.port("l"), `/ring/query?x=2&u=${i}`);
    assert.equal(a.headers["x-backend"], b.headers["x-backend"]);
    hosts.add(String(a.headers["x-backend"]));
  }
  assert.equal(hosts.size, 3);
});

test("MAGLEV with a generated cookie: Set-Cookie as Envoy writes it, then the client sticks", async () => {
  const first = await request(px.port("l"), "/maglev/cookie");
  const set = String(first.headers["set-cookie"]);
  assert.match(set, /^sticky="[0-9a-f]{16}"; Max-Age=60; Path=\/; HttpOnly$/);
  const cookie = set.split(";")[0];
  const s = await spread("/maglev/cookie", 10, { cookie });
  assert.deepEqual([...s.keys()], [first.headers["x-backend"]]);
  const again = await request(px.port("l"), "/maglev/cookie", { headers: { cookie } });
  assert.equal(again.headers["set-cookie"], undefined, "no new cookie when one is sent");
});

test("MAGLEV on the source IP keeps one client on one host", async () => {
  const s = await spread("/maglev/ip", 12);
  assert.equal(s.size, 1);
});

test("priority spill-over: 70% stays in P0, 30% goes to P1, never to the unhealthy host", async () => {
  const s = await spread("/priority", 200);
  assert.equal(s.get("b1"), undefined);
  const p1 = s.get("b3") ?? 0;
  // binomial(200, 0.3): mean 60, sd 6.5; the bounds are ±5 sd
  assert.ok(p1 > 27 && p1 < 93, `P1 got ${p1} of 200`);
});

test("panic mode balances over all hosts; healthy_panic_threshold 0 turns it off", async () => {
  assert.equal((await spread("/panic", 60)).size, 3);
  assert.deepEqual([...(await spread("/nopanic", 20)).keys()], ["b0"]);
});

test("locality weights: zone b (weight 3) takes about three quarters", async () => {
  const s = await spread("/locality", 200);
  const a = s.get("b0") ?? 0;
  // binomial(200, 0.25): mean 50, sd 6.1
  assert.ok(a > 20 && a < 80, `zone a got ${a} of 200`);
  assert.ok((s.get("b1") ?? 0) > 0 && (s.get("b2") ?? 0) > 0);
});
