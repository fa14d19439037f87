// Istio security end to end: `mast pilot` serves a config directory (an httpbin-like workload,
// its Service and Pod, a ServiceEntry for the JWKS server, a RequestAuthentication and
// AuthorizationPolicies) and a local-mode `mast proxy` enforces it on real HTTP requests: allowed
// and denied by method, path and header, a JWT-required path that takes a token signed here
// (keys served as JWKS by a local server), and Istio's 403/401 answers otherwise. Source
// principals need mTLS, which this mesh has no CA for yet: such a rule matches nobody here.

import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { type Backend, startBackend } from "../proxy/helpers.ts";
import {
  loopbackServiceEntryYaml,
  podIp,
  type SidecarMesh,
  startSidecarMesh,
  workloadYaml,
} from "./sidecar-mesh.ts";

const ISS = "https://idp.example";
const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const JWKS = JSON.stringify({ keys: [{ ...keys.publicKey.export({ format: "jwk" }), kid: "k1" }] });

function token(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const exp = Math.floor(Date.now() / 1000) + 600;
  const input = `${b64({ alg: "RS256", kid: "k1" })}.${b64({ iss: ISS, sub: "alice", exp, ...claims })}`;
  return `${input}.${sign("sha256", Buffer.from(input), keys.privateKey).toString("base64url")}`;
}

const POD_IP = podIp(88);

function config(appPort: number, jwksPort: number): string {
  return `${workloadYaml("httpbin", POD_IP, appPort)}${loopbackServiceEntryYaml("idp-jwks", "jwks.idp.example", jwksPort)}
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
  let jwks: http.Server;
  let app: Backend;
  let mesh: SidecarMesh | undefined;

  before(async () => {
    jwks = http.createServer((_q, res) => res.end(JWKS));
    await new Promise<void>((r) => jwks.listen(0, "127.0.0.1", r));
    app = await startBackend("httpbin");
    mesh = await startSidecarMesh({
      app: "httpbin",
      podIP: POD_IP,
      appPort: app.port,
      config: config(app.port, (jwks.address() as AddressInfo).port),
    });
  });

  after(async () => {
    await mesh?.stop();
    await app?.close();
    jwks?.close();
  });

  const call = (path: string, opts: { method?: string; headers?: Record<string, string> } = {}) =>
    mesh!.call(path, opts);

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
