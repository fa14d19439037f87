// `mast up` end to end: the real CLI runs Bookinfo from Istio's manifests with a control plane,
// sidecars and an ingress gateway on loopback addresses; Istio's Bookinfo tasks (request routing,
// header-based routing for a logged-in user, traffic shifting) apply unmodified from the corpus.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ISTIO_CORPUS, MAST_BIN } from "../helpers/paths.ts";
import { alive, type Started, startProcess } from "../helpers/process.ts";

const NET = `${ISTIO_CORPUS}samples/bookinfo/networking/`;
const skip = existsSync(NET) ? false : `Istio corpus not found at ${ISTIO_CORPUS}`;

type Version = "v1" | "v2" | "v3" | "error";

/** Which reviews version served a product page: no stars v1, black v2, red v3. */
function reviewsVersion(html: string): Version {
  if (!html.includes("Reviewer1")) return "error";
  if (html.includes('color="black"')) return "v2";
  if (html.includes('color="red"')) return "v3";
  return "v1";
}

function mast(home: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(MAST_BIN, args, { env: { ...process.env, MAST_HOME: home } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

function pids(home: string): Map<string, number> {
  const dir = join(home, "run");
  const out = new Map<string, number>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir))
    if (f.endsWith(".pid")) out.set(f.slice(0, -4), Number(readFileSync(join(dir, f), "utf8")));
  return out;
}

describe("mast up with Bookinfo", { skip }, () => {
  const home = mkdtempSync(join(tmpdir(), "mast-up-"));
  let up: Started | undefined;
  let page = "";

  async function get(headers: Record<string, string> = {}): Promise<Version> {
    const res = await fetch(page, { headers, signal: AbortSignal.timeout(5_000) }).catch(
      () => null,
    );
    if (!res) return "error";
    const html = await res.text();
    return res.status === 200 ? reviewsVersion(html) : "error";
  }

  /**
   * Polls until `n` requests in a row are served by `want`; the first of them must have been
   * sent within `ms` (the confirming requests may take longer on a loaded machine).
   */
  async function until(want: Version, ms: number, headers: Record<string, string> = {}, n = 5) {
    const t0 = Date.now();
    let streak = 0;
    let streakStart = 0;
    let last: Version = "error";
    while (Date.now() < t0 + ms || streak > 0) {
      const sent = Date.now();
      last = await get(headers);
      if (last !== want) streak = 0;
      else if (streak++ === 0) streakStart = sent;
      if (streak >= n) return streakStart - t0;
      if (Date.now() > t0 + ms + 20_000) break;
    }
    assert.fail(`not every request served by reviews ${want} within ${ms} ms (last: ${last})`);
  }

  /** The reviews weights productpage's sidecar routes with, as `v1=90,v2=10`. */
  async function weights(): Promise<string> {
    const dump = await mast(home, ["proxy-config", "routes", "productpage-v1", "-o", "json"]);
    return [
      ...dump.out.matchAll(/"name": "outbound\|9080\|(v\d)\|reviews[^"]*",\s*"weight": (\d+)/g),
    ]
      .map((m) => `${m[1]}=${m[2]}`)
      .join(",");
  }

  async function sample(n: number, headers: Record<string, string> = {}): Promise<Set<Version>> {
    const seen = new Set<Version>();
    for (let i = 0; i < n; i++) seen.add(await get(headers));
    return seen;
  }

  before(async () => {
    up = await startProcess(MAST_BIN, ["up"], {
      env: { MAST_HOME: home },
      ready: /Product page:\s+(\S+)/,
      timeoutMs: 40_000,
    });
    page = up.match[1]!;
  });

  after(async () => {
    await up?.stop();
    // Whatever `mast up` could not stop (it was killed) is stopped by its pid file.
    for (const pid of pids(home).values()) if (alive(pid)) process.kill(pid, "SIGKILL");
    rmSync(home, { recursive: true, force: true });
  });

  test("serves the product page through the ingress gateway; reviews rotate over v1, v2, v3", async () => {
    assert.match(page, /^http:\/\/127\.\d+\.0\.254:8080\/productpage$/);
    const res = await fetch(page);
    const html = await res.text();
    assert.equal(res.status, 200);
    assert.match(html, /The Comedy of Errors/);
    assert.match(html, /Book Details/);
    const seen = await sample(24);
    assert.deepEqual([...seen].sort(), ["v1", "v2", "v3"]);
  });

  test("destination-rule-all + virtual-service-all-v1 send every request to v1 within 2 s", async () => {
    const r = await mast(home, [
      "apply",
      "-f",
      `${NET}destination-rule-all.yaml`,
      "-f",
      `${NET}virtual-service-all-v1.yaml`,
    ]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /virtualservice\.networking\.istio\.io\/reviews created/);
    await until("v1", 2_000, {}, 10);
  });

  test("proxy-status shows every proxy synced; proxy-config reads a sidecar's routes", async () => {
    const status = await mast(home, ["proxy-status"]);
    assert.equal(status.code, 0, status.out);
    const rows = status.out.trim().split("\n").slice(1);
    assert.equal(rows.length, 7, status.out);
    for (const row of rows)
      assert.match(row, /Kubernetes\s+SYNCED\s+SYNCED\s+SYNCED\s+SYNCED\s+IGNORED/);
    const routes = await mast(home, ["proxy-config", "routes", "productpage-v1"]);
    assert.equal(routes.code, 0, routes.out);
    assert.match(
      routes.out,
      /http_proxy\s+reviews\.default\.svc\.cluster\.local:9080\s+reviews:9080/,
    );
    const boot = await mast(home, ["proxy-config", "bootstrap", "reviews-v2"]);
    assert.equal(boot.code, 0, boot.out);
    assert.match(
      boot.out,
      /"id": "sidecar~127\.\d+\.0\.\d+~reviews-v2-[\w-]+\.default~default\.svc\.cluster\.local"/,
    );
    assert.match(boot.out, /"INTERCEPTION_MODE": "NONE"/);
    // No CA yet: a Bookinfo sidecar has no secrets, the table is its header alone.
    const secret = await mast(home, ["proxy-config", "secret", "productpage-v1"]);
    assert.equal(secret.code, 0, secret.out);
    assert.match(
      secret.out,
      /^RESOURCE NAME\s+TYPE\s+STATUS\s+VALID CERT\s+SERIAL NUMBER\s+NOT AFTER\s+NOT BEFORE\n$/,
    );
  });

  test("the live mesh: apply --dry-run, x describe pod and analyze read what is running", async () => {
    const dry = await mast(home, [
      "apply",
      "--dry-run",
      "-f",
      `${NET}virtual-service-reviews-v3.yaml`,
    ]);
    assert.equal(dry.code, 0, dry.out);
    assert.match(dry.out, /Proxies that would change: 6 of 7/);
    assert.match(
      dry.out,
      /^\+ +"cluster": "outbound\|9080\|v3\|reviews\.default\.svc\.cluster\.local",$/m,
    );
    const describe = await mast(home, ["x", "describe", "pod", "reviews-v2"]);
    assert.equal(describe.code, 0, describe.out);
    assert.match(describe.out, /Matching subsets: v2\n/);
    assert.match(describe.out, /Route to non-matching subset v1 for \(everything\)/);
    const analyze = await mast(home, ["analyze"]);
    assert.match(
      analyze.out,
      /Error \[IST0173\] \(DestinationRule default\/ratings\) The Subset v2-mysql /,
    );
  });

  test("reviews-test-v2: the logged-in user jason gets v2, everyone else v1", async () => {
    const r = await mast(home, ["apply", "-f", `${NET}virtual-service-reviews-test-v2.yaml`]);
    assert.equal(r.code, 0, r.out);
    const login = await fetch(page.replace("/productpage", "/login"), {
      method: "POST",
      body: new URLSearchParams({ username: "jason", passwd: "jason" }),
      redirect: "manual",
    });
    assert.equal(login.status, 302);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
    assert.equal(cookie, "user=jason");
    await until("v2", 5_000, { cookie });
    assert.deepEqual([...(await sample(5))], ["v1"]);
  });

  test("reviews-50-v3 splits traffic between v1 and v3", async () => {
    const r = await mast(home, ["apply", "-f", `${NET}virtual-service-reviews-50-v3.yaml`]);
    assert.equal(r.code, 0, r.out);
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && (await get()) !== "v3");
    const seen = await sample(30);
    assert.deepEqual([...seen].sort(), ["v1", "v3"]);
  });

  test("reviews-v3, reviews-80-20 and reviews-90-10 route as Istio's traffic shifting task says", async () => {
    let r = await mast(home, ["apply", "-f", `${NET}virtual-service-reviews-v3.yaml`]);
    assert.equal(r.code, 0, r.out);
    await until("v3", 5_000, {}, 8);
    r = await mast(home, ["apply", "-f", `${NET}virtual-service-reviews-80-20.yaml`]);
    assert.equal(r.code, 0, r.out);
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && (await get()) !== "v1");
    assert.deepEqual([...(await sample(40))].sort(), ["v1", "v2"]);
    r = await mast(home, ["apply", "-f", `${NET}virtual-service-reviews-90-10.yaml`]);
    assert.equal(r.code, 0, r.out);
    // 10% is too rare to sample cheaply: read the weights the sidecar got.
    const until9010 = Date.now() + 5_000;
    let w = await weights();
    while (w !== "v1=90,v2=10" && Date.now() < until9010) w = await weights();
    assert.equal(w, "v1=90,v2=10");
    r = await mast(home, ["apply", "-f", `${NET}virtual-service-reviews-50-v3.yaml`]);
    assert.equal(r.code, 0, r.out);
  });

  test("a bad apply is rejected whole, names the field and changes nothing", async () => {
    const file = join(home, "bad.yaml");
    writeFileSync(
      file,
      readFileSync(`${NET}virtual-service-reviews-v3.yaml`, "utf8").replace(
        "subset: v3",
        "subset: v3\n      weight: -5",
      ),
    );
    const vs = join(home, "config/VirtualService.networking.istio.io/default/reviews.yaml");
    const before = readFileSync(vs, "utf8");
    const r = await mast(home, ["apply", "-f", file]);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /VirtualService default\/reviews/);
    assert.match(r.out, /weight/);
    assert.equal(readFileSync(vs, "utf8"), before);
    assert.equal(await weights(), "v1=50,v3=50");
    const seen = await sample(20);
    assert.ok(!seen.has("v2") && !seen.has("error"), `still 50/50 v1/v3: ${[...seen]}`);
  });

  test("SIGKILLed app, sidecar, gateway and control plane are restarted; traffic and config recover", async () => {
    const KILLED = ["reviews-v3", "productpage-v1-proxy", "istio-ingressgateway", "pilot"];
    const before = pids(home);
    for (const name of KILLED) process.kill(before.get(name)!, "SIGKILL");
    const deadline = Date.now() + 20_000;
    let seen = new Set<Version>();
    while (Date.now() < deadline) {
      seen = await sample(10);
      if (seen.has("v3") && !seen.has("error")) break;
    }
    assert.ok(seen.has("v3") && !seen.has("error"), `traffic recovered: ${[...seen]}`);
    assert.equal(await weights(), "v1=50,v3=50", "the restarted sidecar got the kept config");
    for (let i = 0; i < 5 && !seen.has("v1"); i++) for (const v of await sample(10)) seen.add(v);
    assert.deepEqual([...seen].sort(), ["v1", "v3"], "50/50 v1/v3 kept after restarts");
    const afterKill = pids(home);
    for (const name of KILLED) {
      assert.notEqual(afterKill.get(name), before.get(name), `${name} has a new pid`);
      assert.ok(alive(afterKill.get(name)!), `${name} runs`);
    }
  });

  test("mast logs prints a workload's log; mast down stops every process", async () => {
    const logs = await mast(home, ["logs", "reviews-v2"]);
    assert.equal(logs.code, 0);
    assert.match(logs.out, /listening on 127\.\d+\.1\.\d+:9080/);
    const unknown = await mast(home, ["logs", "nope"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.out, /no workload "nope"/);
    const running = [...pids(home).values()];
    assert.ok(running.length >= 14, `pid files: ${running.length}`);
    const down = await mast(home, ["down"]);
    assert.equal(down.code, 0, down.out);
    assert.match(down.out, /mesh stopped/);
    for (const pid of running) assert.ok(!alive(pid), `pid ${pid} stopped`);
  });
});
