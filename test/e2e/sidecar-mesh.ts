// A one-workload mesh for end-to-end tests: `mast pilot` serving a config directory (and
// optionally a mesh config) and a local-mode sidecar `mast proxy` for the pod `<app>-0` at its
// own loopback address, whose inbound listener takes the application's port (the application
// listens on 127.0.0.1). `call` sends a request to the pod through that listener.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { proxyBootstrap } from "../../src/runtime/bootstrap.ts";
import { MAST_BIN } from "../helpers/paths.ts";
import { type Started, startMastProxy, startProcess } from "../helpers/process.ts";
import type { Reply } from "../proxy/helpers.ts";

/** A loopback address of its own for the pod, per test process. */
export function podIp(third: number): string {
  return `127.${third}.${1 + (process.pid % 200)}.${1 + Math.floor(Math.random() * 250)}`;
}

/** The Service (port 8000 → the app's port) and running Pod of the workload, as YAML. */
export function workloadYaml(app: string, podIP: string, appPort: number): string {
  return `
apiVersion: v1
kind: Service
metadata: {name: ${app}, namespace: default, labels: {app: ${app}}}
spec:
  selector: {app: ${app}}
  ports: [{name: http, port: 8000, targetPort: ${appPort}}]
---
apiVersion: v1
kind: Pod
metadata: {name: ${app}-0, namespace: default, labels: {app: ${app}, version: v1}}
spec: {serviceAccountName: ${app}, containers: [{name: ${app}, image: ${app}}]}
status: {phase: Running, podIP: ${podIP}, conditions: [{type: Ready, status: "True"}]}
---`;
}

/** A MESH_EXTERNAL ServiceEntry for an HTTP server of the test on loopback, as YAML. */
export function loopbackServiceEntryYaml(name: string, host: string, port: number): string {
  return `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: default}
spec:
  hosts: [${host}]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{number: ${port}, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1}]
---`;
}

export interface SidecarMesh {
  readonly pilot: Started;
  readonly proxy: Started;
  call(path: string, opts?: { method?: string; headers?: Record<string, string> }): Promise<Reply>;
  stop(): Promise<void>;
}

export async function startSidecarMesh(o: {
  /** The app label, service account and workload name of the pod. */
  app: string;
  podIP: string;
  appPort: number;
  config: string;
  meshConfig?: string;
}): Promise<SidecarMesh> {
  const dir = mkdtempSync(join(tmpdir(), "mast-e2e-"));
  const cfg = join(dir, "config");
  mkdirSync(cfg);
  writeFileSync(join(cfg, "mesh.yaml"), o.config);
  const meshArgs: string[] = [];
  if (o.meshConfig !== undefined) {
    writeFileSync(join(dir, "meshconfig.yaml"), o.meshConfig);
    meshArgs.push("--mesh-config", join(dir, "meshconfig.yaml"));
  }
  let pilot: Started | undefined;
  let proxy: Started | undefined;
  const stop = async () => {
    await proxy?.stop();
    await pilot?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    pilot = await startProcess(
      MAST_BIN,
      [
        "pilot",
        "--config-dir",
        cfg,
        ...meshArgs,
        "--xds-address",
        "127.0.0.1:0",
        "--monitoring-address",
        "127.0.0.1:0",
      ],
      { ready: /xDS on [^:]+:(\d+)/, env: { MAST_HOME: dir } },
    );
    const bootstrap = proxyBootstrap(
      {
        type: "sidecar",
        podIP: o.podIP,
        podName: `${o.app}-0`,
        namespace: "default",
        labels: { app: o.app, version: "v1" },
        serviceAccount: o.app,
        workloadName: o.app,
        appIP: "127.0.0.1",
      },
      { host: "127.0.0.1", port: Number(pilot.match[1]) },
    );
    writeFileSync(join(dir, "bootstrap.json"), JSON.stringify(bootstrap));
    proxy = await startMastProxy(join(dir, "bootstrap.json"), { MAST_HOME: dir });
    // Readiness: the inbound listener is up once the first LDS push is applied (bounded wait).
    const admin = Number(proxy.match[1]);
    let listening = false;
    for (let i = 0; i < 100 && !listening; i++) {
      const l = await fetch(`http://127.0.0.1:${admin}/listeners`).then((r) => r.text());
      listening = l.includes(`${o.podIP}_${o.appPort}`);
      if (!listening) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(listening, `the inbound listener never came up:\n${proxy.output()}`);
  } catch (e) {
    await stop();
    throw e;
  }
  const call: SidecarMesh["call"] = (path, opts = {}) =>
    new Promise<Reply>((resolve, reject) => {
      const req = http.request(
        {
          host: o.podIP,
          port: o.appPort,
          path,
          method: opts.method ?? "GET",
          headers: opts.headers,
          agent: false,
        },
        (res) => {
          let body = "";
          res.on("data", (c) => {
            body += c;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
      req.on("error", reject);
      req.end();
    });
  return { pilot, proxy, call, stop };
}
