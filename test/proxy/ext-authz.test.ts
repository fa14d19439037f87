// envoy.filters.http.ext_authz (HTTP service) through a real proxy, with a real backend and a real
// HTTP authorization server on loopback, configured as pilot generates it for an Istio
// envoyExtAuthzHttp provider: allowed requests reach the backend with the header the authz server
// added; denials carry the authz server's status, body and allowed headers (flag UAEX); a server
// that is down denies with 403 unless failure_mode_allow; ExtAuthzPerRoute disabled; and
// filter_enabled_metadata, so only requests the shadow RBAC rules matched are checked.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { messageType } from "../../src/envoy/protos.ts";
import {
  type Backend,
  httpListener,
  ROUTER,
  request,
  startBackend,
  startProxy,
  staticCluster,
  type TestProxy,
} from "./helpers.ts";

const EXT_AUTHZ = "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz";
const RBAC = "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC";
const exact = (n: string) => ({ exact: n, ignore_case: true });

let backend: Backend;
let authz: Backend;
let deadPort: number;
let px: TestProxy;
let grpcServer: grpc.Server;
const grpcChecks: Record<string, unknown>[] = [];

/** A real envoy.service.auth.v3.Authorization server: allows x-user alice, denies the rest. */
async function startGrpcAuthz(): Promise<number> {
  const req = messageType("envoy.service.auth.v3.CheckRequest");
  const res = messageType("envoy.service.auth.v3.CheckResponse");
  grpcServer = new grpc.Server();
  grpcServer.addService(
    {
      Check: {
        path: "/envoy.service.auth.v3.Authorization/Check",
        requestStream: false,
        responseStream: false,
        requestSerialize: (v: Uint8Array) => Buffer.from(v),
        requestDeserialize: (b: Buffer) => req.toObject(req.decode(b)),
        responseSerialize: (v: Record<string, unknown>) =>
          Buffer.from(res.encode(res.fromObject(v)).finish()),
        responseDeserialize: (b: Buffer) => b,
      },
    },
    {
      Check: (
        call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>,
        cb: grpc.sendUnaryData<unknown>,
      ) => {
        grpcChecks.push(call.request);
        const http = (
          call.request as { attributes: { request: { http: { headers: Record<string, string> } } } }
        ).attributes.request.http;
        if (http.headers["x-user"] === "alice") {
          cb(null, {
            status: { code: 0 },
            ok_response: { headers: [{ header: { key: "x-authz-user", value: "alice-grpc" } }] },
          });
        } else {
          cb(null, {
            status: { code: 7 },
            denied_response: {
              status: { code: 401 },
              body: "grpc says no",
              headers: [{ header: { key: "x-authz-reason", value: "not alice" } }],
            },
          });
        }
      },
    },
  );
  return new Promise((resolve, reject) =>
    grpcServer.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, port) =>
      e ? reject(e) : resolve(port),
    ),
  );
}

/** The filter as pilot's httpProvider writes it (plus the given top-level fields). */
function extAuthz(cluster: string, extra: Record<string, unknown> = {}) {
  return {
    name: "envoy.filters.http.ext_authz",
    typed_config: {
      "@type": EXT_AUTHZ,
      allowed_headers: { patterns: [exact("x-user")] },
      http_service: {
        authorization_request: { headers_to_add: [{ key: "x-added", value: "by-proxy" }] },
        authorization_response: {
          allowed_client_headers: { patterns: [exact("x-authz-reason")] },
          allowed_client_headers_on_success: { patterns: [exact("x-authz-session")] },
          allowed_upstream_headers: { patterns: [exact("x-authz-user")] },
        },
        path_prefix: "/check",
        server_uri: { cluster, timeout: "2s", uri: "http://authz.local" },
      },
      transport_api_version: "V3",
      ...extra,
    },
  };
}

// Istio's CUSTOM wiring: shadow DENY rules with the istio_ext_authz_ prefix in front of the filter.
const SHADOW_RBAC = {
  name: "envoy.filters.http.rbac",
  typed_config: {
    "@type": RBAC,
    shadow_rules: {
      action: "DENY",
      policies: {
        "istio-ext-authz-ns[default]-policy[ext]-rule[0]": {
          permissions: [{ url_path: { path: { prefix: "/checked" } } }],
          principals: [{ any: true }],
        },
      },
    },
    shadow_rules_stat_prefix: "istio_ext_authz_",
  },
};
const ENABLED_METADATA = {
  filter: "envoy.filters.http.rbac",
  path: [{ key: "istio_ext_authz_shadow_effective_policy_id" }],
  value: { string_match: { prefix: "istio-ext-authz" } },
};

function listener(name: string, filters: unknown[], routes: unknown[] = [toBackend("/")]) {
  return httpListener(
    name,
    { name, virtual_hosts: [{ name: "vh", domains: ["*"], routes }] },
    { http_filters: [...filters, ROUTER] },
  );
}

function toBackend(prefix: string, extra: Record<string, unknown> = {}) {
  return { match: { prefix }, route: { cluster: "backend" }, ...extra };
}

before(async () => {
  backend = await startBackend("backend");
  // allows x-user: alice (adding x-authz-user and x-authz-session), denies everyone else
  authz = await startBackend("authz", (req, res) => {
    if (req.headers["x-user"] === "alice") {
      res.setHeader("x-authz-user", "alice");
      res.setHeader("x-authz-session", "s1");
      res.setHeader("x-not-forwarded", "1");
      res.end();
      return;
    }
    res.statusCode = 401;
    res.setHeader("x-authz-reason", "unknown user");
    res.setHeader("x-not-forwarded", "1");
    res.end("who are you?");
  });
  const grpcPort = await startGrpcAuthz();
  const dead = await startBackend("dead");
  deadPort = dead.port;
  await dead.close();
  px = await startProxy({
    static_resources: {
      clusters: [
        staticCluster("backend", backend.port),
        staticCluster("authz", authz.port),
        staticCluster("dead", deadPort),
        staticCluster("grpcauthz", grpcPort),
      ],
      listeners: [
        listener(
          "main",
          [extAuthz("authz")],
          [
            toBackend("/public", {
              typed_per_filter_config: {
                "envoy.filters.http.ext_authz": {
                  "@type":
                    "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute",
                  disabled: true,
                },
              },
            }),
            toBackend("/"),
          ],
        ),
        listener("down", [extAuthz("dead")]),
        listener("failopen", [
          extAuthz("dead", { failure_mode_allow: true, failure_mode_allow_header_add: true }),
        ]),
        listener("grpc", [
          {
            name: "envoy.filters.http.ext_authz",
            typed_config: {
              "@type": EXT_AUTHZ,
              grpc_service: {
                envoy_grpc: { authority: "authz.local", cluster_name: "grpcauthz" },
                timeout: "2s",
              },
              transport_api_version: "V3",
            },
          },
        ]),
        listener("custom", [
          SHADOW_RBAC,
          extAuthz("authz", { filter_enabled_metadata: ENABLED_METADATA }),
        ]),
      ],
    },
  });
});

after(async () => {
  await px?.stop();
  await backend?.close();
  await authz?.close();
  grpcServer?.forceShutdown();
});

const stats = () => request(px.running.adminPort, "/stats").then((r) => r.body);

test("allowed: the check carries method, prefixed path and allowed headers; the backend gets x-authz-user", async () => {
  const before = authz.seen.length;
  const r = await request(px.port("main"), "/data?q=1", {
    method: "POST",
    headers: { "x-user": "alice", "x-secret": "no", authorization: "Bearer t" },
    body: "payload",
  });
  assert.equal(r.status, 200);
  assert.equal(r.body, "backend POST /data?q=1");
  assert.equal(r.headers["x-authz-session"], "s1");
  const check = authz.seen[before];
  assert.equal(check.method, "POST");
  assert.equal(check.url, "/check/data?q=1");
  assert.equal(check.headers["x-user"], "alice");
  assert.equal(check.headers.authorization, "Bearer t");
  assert.equal(check.headers["x-added"], "by-proxy");
  assert.equal(check.headers["x-secret"], undefined);
  assert.equal(check.body.length, 0);
  const seen = backend.seen.at(-1)!;
  assert.equal(seen.headers["x-authz-user"], "alice");
  assert.equal(seen.headers["x-not-forwarded"], undefined);
  assert.equal(seen.body.toString(), "payload");
  assert.match(await stats(), /^cluster\.backend\.ext_authz\.ok: [1-9]/m);
});

test("denied: the authz server's status, body and allowed client headers; UAEX in the access log", async () => {
  const seenBefore = backend.seen.length;
  const r = await request(px.port("main"), "/data", { headers: { "x-user": "mallory" } });
  assert.equal(r.status, 401);
  assert.equal(r.body, "who are you?");
  assert.equal(r.headers["x-authz-reason"], "unknown user");
  assert.equal(r.headers["x-not-forwarded"], undefined);
  assert.equal(backend.seen.length, seenBefore);
  assert.match(px.logs.at(-1) ?? "", /" 401 UAEX /);
  assert.match(await stats(), /^cluster\.backend\.ext_authz\.denied: [1-9]/m);
});

test("per-route disabled: the route is not checked", async () => {
  const checks = authz.seen.length;
  const r = await request(px.port("main"), "/public/x", { headers: { "x-user": "mallory" } });
  assert.equal(r.status, 200);
  assert.equal(authz.seen.length, checks);
});

test("authz server down: 403 with UAEX; with failure_mode_allow the request goes through, marked", async () => {
  const down = await request(px.port("down"), "/x", { headers: { "x-user": "alice" } });
  assert.equal(down.status, 403);
  assert.match(px.logs.at(-1) ?? "", /" 403 UAEX /);
  const open = await request(px.port("failopen"), "/x");
  assert.equal(open.status, 200);
  assert.equal(backend.seen.at(-1)!.headers["x-envoy-auth-failure-mode-allowed"], "true");
  const s = await stats();
  assert.match(s, /^cluster\.backend\.ext_authz\.error: 2$/m);
  assert.match(s, /^cluster\.backend\.ext_authz\.failure_mode_allowed: 1$/m);
});

test("gRPC service: Authorization/Check allows with ok_response headers, denies with denied_response", async () => {
  const ok = await request(px.port("grpc"), "/g?x=1", { headers: { "x-user": "alice" } });
  assert.equal(ok.status, 200);
  assert.equal(backend.seen.at(-1)!.headers["x-authz-user"], "alice-grpc");
  const http = (grpcChecks.at(-1) as { attributes: { request: { http: Record<string, unknown> } } })
    .attributes.request.http;
  assert.equal(http.method, "GET");
  assert.equal(http.path, "/g?x=1");
  assert.equal(http.query, "x=1");
  const denied = await request(px.port("grpc"), "/g", { headers: { "x-user": "mallory" } });
  assert.equal(denied.status, 401);
  assert.equal(denied.body, "grpc says no");
  assert.equal(denied.headers["x-authz-reason"], "not alice");
  assert.match(px.logs.at(-1) ?? "", /" 401 UAEX /);
});

test("filter_enabled_metadata: only requests the CUSTOM shadow rules matched are checked", async () => {
  const checks = authz.seen.length;
  const free = await request(px.port("custom"), "/free", { headers: { "x-user": "mallory" } });
  assert.equal(free.status, 200);
  assert.equal(authz.seen.length, checks);
  const checked = await request(px.port("custom"), "/checked", {
    headers: { "x-user": "mallory" },
  });
  assert.equal(checked.status, 401);
  assert.equal(authz.seen.length, checks + 1);
});

test("bad config is a clear error naming the field", async () => {
  await assert.rejects(
    startProxy({
      static_resources: {
        listeners: [
          listener("bad", [
            {
              name: "envoy.filters.http.ext_authz",
              typed_config: { "@type": EXT_AUTHZ, http_service: { server_uri: { uri: "x" } } },
            },
          ]),
        ],
      },
    }),
    /http_service\.server_uri\.cluster: required/,
  );
});
