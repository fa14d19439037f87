// `mast pilot` as a process: serves a watched config directory over ADS, answers on the
// monitoring port, and pushes a file change to a connected client.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { TYPE_URL } from "../../src/envoy/index.ts";
import { MAST_BIN } from "../helpers/paths.ts";
import { BOOKINFO } from "../registry/fixtures.ts";
import { AdsClient, decoded, PRODUCTPAGE_NODE } from "./ads-client.ts";

const POD = `apiVersion: v1
kind: Pod
metadata: {name: productpage-v1-0, namespace: default, labels: {app: productpage, version: v1}}
spec: {serviceAccountName: bookinfo-productpage}
status: {podIP: 10.1.4.10}
`;

describe("mast pilot (process)", () => {
  let dir: string;
  let cluster: string;
  let proc: ChildProcess;
  let xdsPort = 0;
  let monPort = 0;
  let client: AdsClient | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "mast-pilot-"));
    copyFileSync(`${BOOKINFO}platform/kube/bookinfo.yaml`, join(dir, "bookinfo.yaml"));
    copyFileSync(`${BOOKINFO}networking/destination-rule-all.yaml`, join(dir, "dr.yaml"));
    // Cluster state in a second watched directory.
    cluster = mkdtempSync(join(tmpdir(), "mast-pilot-cluster-"));
    writeFileSync(join(cluster, "pods.yaml"), POD);
    proc = spawn(MAST_BIN, [
      "pilot",
      "--config-dir",
      dir,
      "--config-dir",
      cluster,
      "--xds-address",
      "127.0.0.1:0",
      "--monitoring-address",
      "127.0.0.1:0",
      "--debounce-after",
      "10",
    ]);
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 30_000);
      proc.stdout!.on("data", (d: Buffer) => {
        out += d;
        if (out.includes("\n")) {
          clearTimeout(timer);
          resolve(out);
        }
      });
      proc.on("exit", (code) => reject(new Error(`exited ${code}`)));
    });
    xdsPort = Number(/xDS on [^:]+:(\d+)/.exec(line)?.[1]);
    monPort = Number(/monitoring on :(\d+)/.exec(line)?.[1]);
  });

  after(() => {
    client?.close();
    if (proc.pid && proc.exitCode === null) process.kill(proc.pid, "SIGTERM");
    rmSync(dir, { recursive: true, force: true });
    rmSync(cluster, { recursive: true, force: true });
  });

  it("serves the directory over ADS and the monitoring endpoints", async () => {
    assert.ok(xdsPort > 0 && monPort > 0);
    const ready = await fetch(`http://127.0.0.1:${monPort}/ready`);
    assert.equal(ready.status, 200);
    client = new AdsClient(xdsPort);
    client.send({
      node: PRODUCTPAGE_NODE,
      type_url: TYPE_URL.ROUTE_CONFIGURATION,
      resource_names: ["9080"],
    });
    const r1 = await client.expect(10_000);
    client.send({
      type_url: r1.type_url,
      version_info: r1.version_info,
      response_nonce: r1.nonce,
      resource_names: ["9080"],
    });
    const vhosts = (decoded(r1)[0] as { virtual_hosts: { name: string }[] }).virtual_hosts.map(
      (v) => v.name,
    );
    assert.ok(vhosts.includes("reviews.default.svc.cluster.local:9080"));
    const syncz = (await (await fetch(`http://127.0.0.1:${monPort}/debug/syncz`)).json()) as {
      proxyId: string;
    }[];
    assert.equal(syncz[0].proxyId, PRODUCTPAGE_NODE.id);
    // The pod from the second directory is known: the proxy has its inbound listener.
    client.send({ type_url: TYPE_URL.CLUSTER });
    const cds = await client.expect(10_000);
    assert.ok(decoded(cds).some((c) => c.name === "inbound|9080||"));
    const dump = (await (
      await fetch(`http://127.0.0.1:${monPort}/debug/config_dump?proxyID=productpage-v1-0.default`)
    ).json()) as { configs: { type: string; resources: unknown[] }[] };
    assert.deepEqual(
      dump.configs.map((c) => c.type),
      [
        "envoy.config.listener.v3.Listener",
        "envoy.config.route.v3.RouteConfiguration",
        "envoy.config.cluster.v3.Cluster",
        "envoy.config.endpoint.v3.ClusterLoadAssignment",
      ],
    );
    const metrics = await (await fetch(`http://127.0.0.1:${monPort}/metrics`)).text();
    assert.match(metrics, /^pilot_xds 1$/m);
  });

  it("pushes a change to a watched file", async () => {
    copyFileSync(`${BOOKINFO}networking/virtual-service-reviews-v3.yaml`, join(dir, "vs.yaml"));
    const r2 = await client!.expect(10_000);
    const rc = decoded(r2)[0] as {
      virtual_hosts: { name: string; routes: { route?: { cluster?: string } }[] }[];
    };
    const reviews = rc.virtual_hosts.find((v) => v.name.startsWith("reviews."));
    assert.equal(
      reviews?.routes[0].route?.cluster,
      "outbound|9080|v3|reviews.default.svc.cluster.local",
    );
  });
});
