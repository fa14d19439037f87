// A SIGKILLed `mast up` leaves nothing behind: its control plane, proxies and apps get the
// parent-death signal and exit (a one-workload mesh keeps the test short).

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ISTIO_CORPUS, MAST_BIN } from "../helpers/paths.ts";
import { alive, type Started, startProcess } from "../helpers/process.ts";

const skip = existsSync(ISTIO_CORPUS) ? false : `Istio corpus not found at ${ISTIO_CORPUS}`;

const DETAILS = `apiVersion: v1
kind: Service
metadata: {name: details, labels: {app: details}}
spec: {ports: [{port: 9080, name: http}], selector: {app: details}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: details-v1, labels: {app: details, version: v1}}
spec:
  replicas: 1
  selector: {matchLabels: {app: details, version: v1}}
  template:
    metadata: {labels: {app: details, version: v1}}
    spec:
      containers:
      - name: details
        image: docker.io/istio/examples-bookinfo-details-v1:1.20.3
        ports: [{containerPort: 9080}]
`;

describe("mast up killed with SIGKILL", { skip }, () => {
  const home = mkdtempSync(join(tmpdir(), "mast-up-killed-"));
  let up: Started | undefined;
  let children: number[] = [];
  after(async () => {
    for (const pid of children) if (alive(pid)) process.kill(pid, "SIGKILL");
    await up?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  test("pilot, gateway, sidecar and app exit with it", async () => {
    const manifest = join(home, "details.yaml");
    writeFileSync(manifest, DETAILS);
    up = await startProcess(MAST_BIN, ["up", "-f", manifest], {
      env: { MAST_HOME: home },
      ready: /Product page:/,
      timeoutMs: 40_000,
    });
    const run = join(home, "run");
    const pids = new Map(
      readdirSync(run)
        .filter((f) => f.endsWith(".pid"))
        .map((f) => [f.slice(0, -4), Number(readFileSync(join(run, f), "utf8"))]),
    );
    assert.equal(pids.get("mast-up"), up.child.pid);
    pids.delete("mast-up");
    assert.deepEqual([...pids.keys()].sort(), [
      "details-v1",
      "details-v1-proxy",
      "istio-ingressgateway",
      "pilot",
    ]);
    children = [...pids.values()];
    assert.ok(children.every(alive));
    process.kill(up.child.pid!, "SIGKILL");
    const deadline = Date.now() + 10_000;
    while (children.some(alive) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(children.filter(alive), [], "every child exited");
  });
});
