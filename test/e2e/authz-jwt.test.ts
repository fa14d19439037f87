// Istio security end to end: `mast pilot` serves a config directory (an httpbin-like workload,
// its Service and Pod, a ServiceEntry for the JWKS server, a RequestAuthentication and
// AuthorizationPolicies) and a local-mode `mast proxy` enforces it on real HTTP requests: allowed
// and denied by method, path and header, a JWT-required path that takes a token signed here
// (keys served as JWKS by a local server), and Istio's 403/401 answers otherwise. Source
// principals need mTLS, which this mesh has no CA for yet: such a rule matches nobody here.

import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { proxyBootstrap } from "../../src/runtime/bootstrap.ts";
import { MAST_BIN } from "../helpers/paths.ts";
import { type Started, startProcess } from "../helpers/process.ts";
import { type Backend, type Reply, startBackend } from "../proxy/helpers.ts";

const ISS = "https://idp.example";
const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const JWKS = JSON.stringify({ keys: [{ ...keys.publicKey.export({ format: "jwk" }), kid: "k1" }] });

function token(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const exp = Math.floor(Date.now() / 1000) + 600;
  const input = `${b64({ alg: "RS256", kid: "k1" })}.${b64({ iss: ISS, sub: "alice", exp, ...claims })}`;
  return `${input}.${sign("sha256", Buffer.from(input), keys.privateKey).toString("base64url")}`;
}

// A loopback address of its own for the pod, so the proxy's inbound listener can take the
// application's port while the application listens on 127.0.0.1.
const POD_IP = `127.88.${1 + (process.pid % 200)}.${1 + Math.floor(Math.random() * 250)}`;

function config(appPort: number, jwksPort: number): string {
  return `
apiVersion: v1
kind: Service
metadata: {name: httpbin, namespace: default, labels: {app: httpbin}}
spec:
  selector: {app: httpbin}
  ports: [{name: http, port: 8000, targetPort: ${appPort}}]
---
apiVersion: v1
kind: Pod
metadata: {name: httpbin-0, namespace: default, labels: {app: httpbin, version: v1}}
spec: {serviceAccountName: httpbin, containers: [{name: httpbin, image: httpbin}]}
status: {phase: Running, podIP: ${POD_IP}, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: idp-jwks, namespace: default}
spec:
  hosts: [jwks.idp.example]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{number: ${jwksPort}, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1}]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: httpbin, namespace: default}
spec:
  selector: {matchLabels: {app: httpbin}}
  jwtRules:
    - issuer: ${ISS}
      jwksUri: http://jwks.idp.example:${jwksPort}/keys
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: httpbin, namespace: default}
spec:
  selector: {matchLabels: {app: httpbin}}
  rules:
    - to: [{operation: {methods: [GET], paths: [/headers, /status/*]}}]
    - from: [{source: {requestPrincipals: ["${ISS}/*"]}}]
      to: [{operation: {paths: [/secure/*]}}]
    - from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]
      to: [{operation: {paths: [/from-sleep]}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-flagged, namespace: default}
spec:
  action: DENY
  rules: [{when: [{key: "request.headers[x-deny]", values: ["*"]}]}]
`;
}

describe("e2e: AuthorizationPolicy and RequestAuthentication through mast pilot and mast proxy", () => {
  const dir = mkdtempSync(join(tmpdir(), "mast-authz-e2e-"));
  let jwks: http.Server;
  let app: Backend;
  let pilot: Started | undefined;
  let proxy: Started | undefined;
  let appPort = 0;

  before(async () => {
    jwks = http.createServer((_q, res) => res.end(JWKS));
    await new Promise<void>((r) => jwks.listen(0, "127.0.0.1", r));
    app = await startBackend("httpbin");
    appPort = app.port;
    const cfg = join(dir, "config");
    mkdirSync(cfg);
    writeFileSync(join(cfg, "mesh.yaml"), config(appPort, (jwks.address() as AddressInfo).port));
    pilot = await startProcess(
      MAST_BIN,
      [
        "pilot",
        "--config-dir",
        cfg,
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
        podIP: POD_IP,
        podName: "httpbin-0",
        namespace: "default",
        labels: { app: "httpbin", version: "v1" },
        serviceAccount: "httpbin",
        workloadName: "httpbin",
        appIP: "127.0.0.1",
      },
      { host: "127.0.0.1", port: Number(pilot.match[1]) },
    );
    writeFileSync(join(dir, "bootstrap.json"), JSON.stringify(bootstrap));
    proxy = await startProcess(
      MAST_BIN,
      [
        "proxy",
        "-c",
        join(dir, "bootstrap.json"),
        "--admin-port",
        "0",
        "--readiness-port",
        "-1",
        "--bind-address",
        "127.0.0.1",
      ],
      { ready: /admin on port (\d+)/, env: { MAST_HOME: dir } },
    );
    // Readiness: the inbound listener is up once the first LDS push is applied (bounded wait).
    const admin = Number(proxy.match[1]);
    let listening = false;
    for (let i = 0; i < 100 && !listening; i++) {
      const l = await fetch(`http://127.0.0.1:${admin}/listeners`).then((r) => r.text());
      listening = l.includes(`${POD_IP}_${appPort}`);
      if (!listening) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(listening, `the inbound listener never came up:\n${proxy.output()}`);
  });

  after(async () => {
    await proxy?.stop();
    await pilot?.stop();
    await app?.close();
    jwks?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (path: string, opts: { method?: string; headers?: Record<string, string> } = {}) =>
    new Promise<Reply>((resolve, reject) => {
      const req = http.request(
        {
          host: POD_IP,
          port: appPort,
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

  it("allows and denies by method, path and header as the policies say", async () => {
    const ok = await call("/headers");
    assert.equal(ok.status, 200, ok.body);
    assert.equal((await call("/status/418")).status, 200);
    const post = await call("/headers", { method: "POST" });
    assert.equal(post.status, 403);
    assert.equal(post.body, "RBAC: access denied");
    assert.equal((await call("/other")).status, 403);
    assert.equal((await call("/headers", { headers: { "x-deny": "yes" } })).status, 403);
    assert.equal((await call("/public/../headers")).status, 200, "normalized to /headers");
  });

  it("requires a valid JWT on /secure: 403 without one, 401 for a bad one, 200 with a good one", async () => {
    assert.equal((await call("/secure/data")).status, 403);
    const expired = await call("/secure/data", {
      headers: { authorization: `Bearer ${token({ exp: 1 })}` },
    });
    assert.equal(expired.status, 401);
    assert.equal(expired.body, "Jwt is expired");
    assert.match(
      String(expired.headers["www-authenticate"]),
      /^Bearer realm=".*", error="invalid_token"$/,
    );
    const good = await call("/secure/data", { headers: { authorization: `Bearer ${token({})}` } });
    assert.equal(good.status, 200, good.body);
    const wrongIss = await call("/secure/data", {
      headers: { authorization: `Bearer ${token({ iss: "https://other.example" })}` },
    });
    assert.equal(wrongIss.status, 401);
    assert.equal(wrongIss.body, "Jwt issuer is not configured");
  });

  it("source principals need mTLS: without it the principal rule matches nobody", async () => {
    assert.equal((await call("/from-sleep")).status, 403);
  });
});
