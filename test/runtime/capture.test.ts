// `mast up --capture transparent` end to end, with two Bookinfo workloads (ratings, reviews-v2):
// each pod in its own network namespace behind Istio's iptables rules. An unmodified client (curl,
// no proxy variables) in the ratings pod calls http://reviews:9080: the name comes from the
// sidecar's DNS proxy, the call crosses both sidecars (and reviews' call to ratings too), a
// non-mesh destination is passed through, and stopping the mesh leaves nothing behind.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { bridgeIP, bridgeName, podNetns, transparentPodIP } from "../../src/runtime/capture.ts";
import { listNetns } from "../../src/runtime/netns.ts";
import { netnsSkip } from "../helpers/netns.ts";
import { ISTIO_CORPUS, MAST_BIN } from "../helpers/paths.ts";
import { type Started, startProcess } from "../helpers/process.ts";

const BOOKINFO = `${ISTIO_CORPUS}samples/bookinfo/platform/kube/bookinfo.yaml`;
const KEEP = new Set([
  "ratings",
  "bookinfo-ratings",
  "ratings-v1",
  "reviews",
  "bookinfo-reviews",
  "reviews-v2",
]);
const skip =
  netnsSkip() || (existsSync(BOOKINFO) ? false : `Istio corpus not found at ${BOOKINFO}`);

/** The environment of an unmodified app: no proxy variables at all. */
function noProxyEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/_proxy$/i.test(k)) delete env[k];
  return env;
}

function run(
  cmd: string,
  args: string[],
  env = noProxyEnv(),
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: 15_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

/** A counter of a proxy's /stats (reached from the host: the admin port is not captured). */
async function stat(podIP: string, name: string): Promise<number> {
  const res = await fetch(`http://${podIP}:15000/stats?filter=${encodeURIComponent(name)}`);
  const text = await res.text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}: `));
  return line ? Number(line.slice(name.length + 2)) : 0;
}

function leftovers(block: number): string[] {
  const prefix = `mast-${block}-`;
  const etc = existsSync("/etc/netns") ? readdirSync("/etc/netns") : [];
  const found = [...listNetns(), ...etc].filter((n) => n.startsWith(prefix));
  if (existsSync(`/sys/class/net/${bridgeName(block)}`)) found.push(bridgeName(block));
  return found;
}

describe("mast up --capture transparent", { skip }, () => {
  const home = mkdtempSync(join(tmpdir(), "mast-capture-"));
  const manifest = join(home, "ratings-reviews.yaml");
  let up: Started | undefined;
  let block = 0;
  let outside: http.Server | undefined;
  const outsideSaw: string[] = [];

  const start = () =>
    startProcess(MAST_BIN, ["up", "-f", manifest, "--capture", "transparent"], {
      env: { MAST_HOME: home },
      ready: /The mesh is up/,
      timeoutMs: 40_000,
    });

  before(async () => {
    const docs = readFileSync(BOOKINFO, "utf8").split(/^---$/m);
    writeFileSync(
      manifest,
      docs.filter((d) => KEEP.has(/^\s{2}name: (\S+)/m.exec(d)?.[1] ?? "")).join("---\n"),
    );
    up = await start();
    block = JSON.parse(readFileSync(join(home, "state.json"), "utf8")).block;
    outside = http.createServer((req, res) => {
      outsideSaw.push(req.socket.remoteAddress ?? "");
      res.end("outside the mesh");
    });
    await new Promise<void>((r) => outside!.listen(0, bridgeIP(block), r));
  });

  after(async () => {
    await up?.stop();
    outside?.close();
    await run(MAST_BIN, ["down"], { ...process.env, MAST_HOME: home });
    rmSync(home, { recursive: true, force: true });
  });

  // Pods are planned in name order: ratings-v1 is pod 0, reviews-v2 pod 1.
  const inRatingsPod = (args: string[]) =>
    run("ip", ["netns", "exec", podNetns(block, 0), ...args]);

  test("says which capture it uses", () => {
    assert.match(up!.output(), /capture transparent/);
  });

  test("the sidecar's DNS proxy answers mesh names with their service VIPs", async () => {
    for (const name of ["reviews", "reviews.default", "reviews.default.svc.cluster.local"]) {
      const r = await inRatingsPod(["getent", "ahostsv4", name]);
      assert.equal(r.code, 0, `${name}: ${r.out}`);
      assert.match(r.out, /^240\.240\.\d+\.\d+\s/, name);
    }
  });

  test("an unmodified client calls http://reviews:9080 through both sidecars", async () => {
    // "The mesh is up" once the apps are started: reviews and ratings may still be binding
    // their ports, so ask until reviews has stars from ratings (a bounded number of times).
    const get = () =>
      inRatingsPod(["curl", "-sS", "-f", "--max-time", "10", "http://reviews:9080/reviews/0"]);
    let r = await get();
    for (let i = 0; i < 50 && (r.code !== 0 || !r.out.includes('"stars"')); i++) {
      await new Promise((res) => setTimeout(res, 200));
      r = await get();
    }
    assert.equal(r.code, 0, r.out);
    const body = JSON.parse(r.out);
    // reviews-v2 asked ratings for stars: a third captured hop
    assert.deepEqual(body.reviews[0].rating, { stars: 5, color: "black" });
    const ratingsPod = transparentPodIP(block, 0);
    const reviewsPod = transparentPodIP(block, 1);
    const reviewsFqdn = "reviews.default.svc.cluster.local";
    assert.ok(
      (await stat(ratingsPod, `cluster.outbound|9080||${reviewsFqdn}.upstream_rq_completed`)) >= 1,
    );
    assert.ok((await stat(reviewsPod, "cluster.inbound|9080||.upstream_rq_completed")) >= 1);
    assert.ok(
      (await stat(
        reviewsPod,
        "cluster.outbound|9080||ratings.default.svc.cluster.local.upstream_rq_completed",
      )) >= 1,
    );
    assert.ok((await stat(ratingsPod, "cluster.inbound|9080||.upstream_rq_completed")) >= 1);
  });

  test("a destination outside the mesh is passed through (TCP, original destination)", async () => {
    const port = (outside!.address() as AddressInfo).port;
    const r = await inRatingsPod([
      "curl",
      "-sS",
      "--max-time",
      "10",
      `http://${bridgeIP(block)}:${port}/`,
    ]);
    assert.equal(r.code, 0, r.out);
    assert.equal(r.out, "outside the mesh");
    assert.deepEqual(outsideSaw, [transparentPodIP(block, 0)]);
    assert.ok(
      (await stat(transparentPodIP(block, 0), "cluster.PassthroughCluster.upstream_cx_total")) >= 1,
    );
  });

  test("Ctrl-C removes namespaces, veths, rules and /etc/netns files", async () => {
    assert.ok(leftovers(block).length >= 3, `the mesh network exists: ${leftovers(block)}`);
    // SIGINT as a terminal sends it; a loaded machine may need more than the helper's 3 s grace
    const child = up!.child;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGINT");
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    await exited;
    clearTimeout(timer);
    assert.deepEqual(leftovers(block), []);
  });

  test("after a killed mast up, mast down stops its processes and removes its network", async () => {
    up = await start();
    up.child.kill("SIGKILL");
    await new Promise((r) => up!.child.once("exit", r));
    assert.ok(leftovers(block).length >= 3);
    const run_ = join(home, "run");
    const pids = readdirSync(run_)
      .filter((f) => f.endsWith(".pid"))
      .map((f) => Number(readFileSync(join(run_, f), "utf8")));
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    assert.ok(pids.filter(alive).length >= 6, "pilot, proxies and apps outlive a killed mast up");
    const down = await run(MAST_BIN, ["down"], { ...process.env, MAST_HOME: home });
    assert.equal(down.code, 0, down.out);
    assert.deepEqual(pids.filter(alive), []);
    assert.deepEqual(leftovers(block), []);
  });
});
