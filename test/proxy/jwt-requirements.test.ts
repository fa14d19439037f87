// jwt_authn requirements and token handling as Envoy configures them directly (no control
// plane): requires_all, allow_missing_or_failed, a per-route `disabled`, a custom header location
// without prefix, forward (the token stays) and forward_payload_header, and a remote JWKS whose
// cluster has no endpoint (Envoy's `Jwks remote fetch is failed`).

import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { after, before, test } from "node:test";
import {
  type Backend,
  ROUTER,
  request,
  routedBootstrap,
  startBackend,
  startProxy,
  staticCluster,
  type TestProxy,
} from "./helpers.ts";

const JWT = "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication";
const PER_ROUTE = "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig";
const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
const JWKS = JSON.stringify({ keys: [{ ...keys.publicKey.export({ format: "jwk" }), kid: "a" }] });

function token(iss: string): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const exp = Math.floor(Date.now() / 1000) + 600;
  const input = `${b64({ alg: "ES256", kid: "a" })}.${b64({ iss, sub: "bob", exp })}`;
  const sig = sign("sha256", Buffer.from(input), {
    key: keys.privateKey,
    dsaEncoding: "ieee-p1363",
  });
  return `${input}.${sig.toString("base64url")}`;
}

let app: Backend;
let px: TestProxy;

before(async () => {
  app = await startBackend("app");
  const route = (prefix: string, extra: Record<string, unknown> = {}) => ({
    match: { prefix },
    route: { cluster: "app" },
    ...extra,
  });
  const jwt = {
    name: "envoy.filters.http.jwt_authn",
    typed_config: {
      "@type": JWT,
      providers: {
        local: {
          issuer: "local",
          local_jwks: { inline_string: JWKS },
          from_headers: [{ name: "x-token" }],
          forward: true,
          forward_payload_header: "x-jwt-payload",
        },
        remote: {
          issuer: "remote",
          from_headers: [{ name: "x-remote-token" }],
          remote_jwks: {
            http_uri: { uri: "http://jwks.invalid/keys", cluster: "no-endpoints", timeout: "1s" },
          },
        },
      },
      rules: [
        {
          match: { prefix: "/all" },
          requires: {
            requires_all: {
              requirements: [{ provider_name: "local" }, { provider_name: "remote" }],
            },
          },
        },
        { match: { prefix: "/lenient" }, requires: { allow_missing_or_failed: {} } },
        { match: { prefix: "/remote" }, requires: { provider_name: "remote" } },
        { match: { prefix: "/" }, requires: { provider_name: "local" } },
      ],
    },
  };
  const noEndpoints = {
    ...staticCluster("no-endpoints", 1),
    load_assignment: { cluster_name: "no-endpoints", endpoints: [] },
  };
  px = await startProxy(
    routedBootstrap(
      [
        route("/off", {
          typed_per_filter_config: {
            "envoy.filters.http.jwt_authn": { "@type": PER_ROUTE, disabled: true },
          },
        }),
        route("/"),
      ],
      [staticCluster("app", app.port), noEndpoints],
      { http_filters: [jwt, ROUTER] },
    ),
  );
});

after(async () => {
  await px.stop();
  await app.close();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  request(px.port("l"), path, { headers });

test("a provider's own header, forwarded token and payload header", async () => {
  const tok = token("local");
  assert.equal((await get("/x")).body, "Jwt is missing");
  assert.equal(
    (await get("/x", { authorization: `Bearer ${tok}` })).status,
    401,
    "not a location of this provider",
  );
  assert.equal((await get("/x", { "x-token": tok })).status, 200);
  const seen = app.seen.at(-1)!;
  assert.equal(seen.headers["x-token"], tok, "forward: true keeps the token");
  const payload = JSON.parse(
    Buffer.from(String(seen.headers["x-jwt-payload"]), "base64url").toString(),
  );
  assert.equal(payload.sub, "bob");
});

test("requires_all needs every provider; a JWKS that cannot be fetched fails verification", async () => {
  const r = await get("/all", { "x-token": token("local"), "x-remote-token": token("remote") });
  assert.equal(r.status, 401);
  assert.equal(r.body, "Jwks remote fetch is failed");
  assert.equal((await get("/all", { "x-token": token("local") })).body, "Jwt is missing");
  assert.equal(
    (await get("/remote", { "x-remote-token": token("remote") })).body,
    "Jwks remote fetch is failed",
  );
});

test("allow_missing_or_failed lets anything through; a disabled route skips the filter", async () => {
  assert.equal((await get("/lenient", { "x-token": "garbage" })).status, 200);
  assert.equal((await get("/lenient")).status, 200);
  assert.equal((await get("/off/x")).status, 200);
});
