// Istio's CUSTOM action end to end: `mast pilot` with a mesh config whose extensionProviders name
// an envoyExtAuthzHttp provider (a real HTTP authorization server on loopback, reached through a
// ServiceEntry) and a CUSTOM AuthorizationPolicy on /checked/*; the sidecar `mast proxy` checks
// only those requests with the authz server: allowed ones reach the app with the header the
// server added, denied ones get the server's status, body and allowed header.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Backend, startBackend } from "../proxy/helpers.ts";
import {
  loopbackServiceEntryYaml,
  podIp,
  type SidecarMesh,
  startSidecarMesh,
  workloadYaml,
} from "./sidecar-mesh.ts";

const POD_IP = podIp(89);

function config(appPort: number, authzPort: number): string {
  return `${workloadYaml("httpbin", POD_IP, appPort)}${loopbackServiceEntryYaml("ext-authz", "authz.example", authzPort)}
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ext-authz, namespace: default}
spec:
  selector: {matchLabels: {app: httpbin}}
  action: CUSTOM
  provider: {name: sample-ext-authz}
  rules: [{to: [{operation: {paths: ["/checked/*"]}}]}]
`;
}

const meshConfig = (authzPort: number) => `
extensionProviders:
  - name: sample-ext-authz
    envoyExtAuthzHttp:
      service: authz.example
      port: ${authzPort}
      pathPrefix: /authz
      includeRequestHeadersInCheck: [x-user]
      headersToUpstreamOnAllow: [x-authz-user]
      headersToDownstreamOnDeny: [x-authz-reason]
`;

describe("e2e: CUSTOM AuthorizationPolicy with an envoyExtAuthzHttp provider", () => {
  let app: Backend;
  let authz: Backend;
  let mesh: SidecarMesh | undefined;

  before(async () => {
    app = await startBackend("httpbin");
    authz = await startBackend("authz", (req, res) => {
      if (req.headers["x-user"] === "alice") {
        res.setHeader("x-authz-user", "alice");
        res.end();
        return;
      }
      res.statusCode = 403;
      res.setHeader("x-authz-reason", "not alice");
      res.end("denied by ext authz");
    });
    mesh = await startSidecarMesh({
      app: "httpbin",
      podIP: POD_IP,
      appPort: app.port,
      config: config(app.port, authz.port),
      meshConfig: meshConfig(authz.port),
    });
  });

  after(async () => {
    await mesh?.stop();
    await app?.close();
    await authz?.close();
  });

  it("checks only the paths the CUSTOM policy names", async () => {
    const open = await mesh!.call("/open", { headers: { "x-user": "mallory" } });
    assert.equal(open.status, 200, open.body);
    assert.equal(authz.seen.length, 0);
  });

  it("allowed by the authz server: the app sees the header it added", async () => {
    const r = await mesh!.call("/checked/a", { headers: { "x-user": "alice" } });
    assert.equal(r.status, 200, r.body);
    assert.equal(authz.seen.at(-1)!.url, "/authz/checked/a");
    assert.equal(app.seen.at(-1)!.headers["x-authz-user"], "alice");
  });

  it("denied by the authz server: its status, body and allowed header reach the client", async () => {
    const seen = app.seen.length;
    const r = await mesh!.call("/checked/b", { headers: { "x-user": "mallory" } });
    assert.equal(r.status, 403);
    assert.equal(r.body, "denied by ext authz");
    assert.equal(r.headers["x-authz-reason"], "not alice");
    assert.equal(app.seen.length, seen);
  });
});
