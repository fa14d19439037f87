// envoy.filters.http.jwt_authn through the proxy, configured by the control plane's own builders
// from a RequestAuthentication (JWKS fetched from a local server through an upstream cluster) and
// an AuthorizationPolicy that requires a request principal on /secure: tokens signed here with
// every supported algorithm pass; forged, stale, misdirected and malformed tokens get Envoy's 401
// (403 for a wrong audience) with its messages, whatever trick carries them.

import assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { after, before, test } from "node:test";
import type { AuthorizationPolicy, RequestAuthentication } from "../../src/api/types/index.ts";
import { rbacFilters } from "../../src/xds/generators/authz/builder.ts";
import { trustDomainBundle } from "../../src/xds/generators/authz/trust-domain.ts";
import { jwtAuthnFilter } from "../../src/xds/generators/jwt-authn.ts";
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

const ISS = "https://issuer.example";
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ec256 = generateKeyPairSync("ec", { namedCurve: "P-256" });
const ec384 = generateKeyPairSync("ec", { namedCurve: "P-384" });
const ed = generateKeyPairSync("ed25519");

function jwk(k: KeyObject, kid: string) {
  return { ...k.export({ format: "jwk" }), kid };
}
const JWKS = JSON.stringify({
  keys: [
    jwk(rsa.publicKey, "rsa"),
    jwk(ec256.publicKey, "ec256"),
    jwk(ec384.publicKey, "ec384"),
    jwk(ed.publicKey, "ed"),
  ],
});

const b64 = (v: unknown) =>
  Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);

function token(claims: Record<string, unknown>, alg = "RS256", kid = "rsa"): string {
  const input = `${b64({ alg, kid, typ: "JWT" })}.${b64({ iss: ISS, sub: "alice", aud: "httpbin", exp: now() + 600, ...claims })}`;
  const data = Buffer.from(input);
  let sig: Buffer;
  if (alg === "RS256") sig = sign("sha256", data, rsa.privateKey);
  else if (alg === "PS256")
    sig = sign("sha256", data, { key: rsa.privateKey, padding: 6, saltLength: 32 });
  else if (alg === "ES256")
    sig = sign("sha256", data, { key: ec256.privateKey, dsaEncoding: "ieee-p1363" });
  else if (alg === "ES384")
    sig = sign("sha384", data, { key: ec384.privateKey, dsaEncoding: "ieee-p1363" });
  else if (alg === "EdDSA") sig = sign(null, data, ed.privateKey);
  else throw new Error(alg);
  return `${input}.${sig.toString("base64url")}`;
}

let jwksServer: http.Server;
let jwksFetches = 0;
let app: Backend;
let px: TestProxy;

before(async () => {
  jwksServer = http.createServer((_req, res) => {
    jwksFetches++;
    res.setHeader("content-type", "application/json");
    res.end(JWKS);
  });
  await new Promise<void>((r) => jwksServer.listen(0, "127.0.0.1", r));
  const jwksPort = (jwksServer.address() as net.AddressInfo).port;
  app = await startBackend("app");
  const ra = {
    metadata: { name: "jwt", namespace: "foo" },
    spec: {
      jwtRules: [
        {
          issuer: ISS,
          jwksUri: `http://jwks.foo.svc.cluster.local:${jwksPort}/keys`,
          audiences: ["httpbin"],
          outputClaimToHeaders: [{ header: "x-jwt-sub", claim: "sub" }],
          fromParams: ["token"],
          fromHeaders: [{ name: "authorization", prefix: "Bearer " }],
        },
      ],
    },
  } as unknown as RequestAuthentication;
  const ap = {
    metadata: { name: "require-jwt", namespace: "foo" },
    spec: {
      action: "DENY",
      rules: [
        {
          from: [{ source: { notRequestPrincipals: ["*"] } }],
          to: [{ operation: { paths: ["/secure/*"] } }],
        },
      ],
    },
  } as unknown as AuthorizationPolicy;
  const authz = rbacFilters([ap], false, {
    trustDomains: trustDomainBundle("cluster.local", []),
    extensionProviders: [],
    resolveService: () => undefined,
  });
  px = await startProxy(
    routedBootstrap(
      [{ match: { prefix: "/" }, route: { cluster: "app" } }],
      [
        staticCluster("app", app.port),
        staticCluster(`outbound|${jwksPort}||jwks.foo.svc.cluster.local`, jwksPort),
      ],
      { http_filters: [jwtAuthnFilter([ra]), ...authz, ROUTER], normalize_path: true },
    ),
  );
});

after(async () => {
  await px.stop();
  await app.close();
  await new Promise((r) => jwksServer.close(r));
});

const get = (path: string, tok?: string, extra: Record<string, string> = {}) =>
  request(px.port("l"), path, {
    headers: { ...(tok ? { authorization: `Bearer ${tok}` } : {}), ...extra },
  });

test("valid tokens of every algorithm pass; the JWKS is fetched once and cached", async () => {
  for (const [alg, kid] of [
    ["RS256", "rsa"],
    ["PS256", "rsa"],
    ["ES256", "ec256"],
    ["ES384", "ec384"],
    ["EdDSA", "ed"],
  ]) {
    const r = await get("/secure/data", token({}, alg, kid));
    assert.equal(r.status, 200, `${alg}: ${r.body}`);
  }
  assert.equal(jwksFetches, 1);
  const seen = app.seen.at(-1)!;
  assert.equal(seen.headers["x-jwt-sub"], "alice");
  assert.equal(seen.headers.authorization, undefined, "the token is not forwarded by default");
});

test("no token: allowed where no policy needs one, RBAC-denied where one does", async () => {
  assert.equal((await get("/open")).status, 200);
  const r = await get("/secure/data");
  assert.equal(r.status, 403);
  assert.equal(r.body, "RBAC: access denied");
  assert.equal((await get("/secure/x", token({}), { "x-unused": "1" })).status, 200);
});

function unsigned(header: unknown, payload: unknown): string {
  return `${b64(header)}.${b64(payload)}.`;
}

test("forged, stale and malformed tokens get Envoy's 401 and messages", async () => {
  const rsaPem = rsa.publicKey.export({ type: "spki", format: "pem" });
  const hsInput = `${b64({ alg: "HS256", kid: "rsa" })}.${b64({ iss: ISS, sub: "mallory", aud: "httpbin", exp: now() + 600 })}`;
  const { createHmac } = await import("node:crypto");
  const hsToken = `${hsInput}.${createHmac("sha256", rsaPem).update(hsInput).digest("base64url")}`;
  const good = token({});
  const tampered = `${good.slice(0, good.lastIndexOf(".") + 1)}${"A".repeat(342)}`;
  const cases: [string, string, number, string][] = [
    [
      "alg none",
      unsigned({ alg: "none" }, { iss: ISS, sub: "x", aud: "httpbin" }),
      401,
      "Jwt header [alg] is not supported",
    ],
    [
      "HS256 with the RSA public key as secret",
      hsToken,
      401,
      "Jwks doesn't have key to match kid or alg from Jwt",
    ],
    [
      "unknown kid",
      token({}, "RS256", "other"),
      401,
      "Jwks doesn't have key to match kid or alg from Jwt",
    ],
    ["tampered signature", tampered, 401, "Jwt verification fails"],
    ["expired beyond the skew", token({ exp: now() - 120 }), 401, "Jwt is expired"],
    ["not yet valid", token({ nbf: now() + 120 }), 401, "Jwt not yet valid"],
    ["wrong issuer", token({ iss: "https://evil.example" }), 401, "Jwt issuer is not configured"],
    ["wrong audience", token({ aud: "other" }), 403, "Audiences in Jwt are not allowed"],
    [
      "one section",
      "abc",
      401,
      "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections",
    ],
    ["bad base64 header", "a!b.c.d", 401, "Jwt header is an invalid Base64url encoded"],
    ["header not JSON", `${b64("nope")}.${b64({})}.x`, 401, "Jwt header is an invalid JSON"],
    [
      "payload not JSON",
      `${b64({ alg: "RS256" })}.${b64("[")}.x`,
      401,
      "Jwt payload is an invalid JSON",
    ],
  ];
  for (const [what, tok, status, message] of cases) {
    const r = await get("/open", tok);
    assert.equal(r.status, status, what);
    assert.equal(r.body, message, what);
    assert.match(
      String(r.headers["www-authenticate"]),
      /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/open", error="invalid_token"$/,
      what,
    );
  }
  assert.equal(
    (await get("/open", token({ exp: now() - 30 }))).status,
    200,
    "within the 60 s skew",
  );
  const big = await get("/open", `${good}${"A".repeat(70_000)}`);
  assert.equal(big.status, 431, "oversized headers are refused by the HCM before jwt_authn");
});

/** Sends raw request bytes and returns the status line (two Authorization headers). */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(px.port("l"), "127.0.0.1", () => s.write(bytes));
    let out = "";
    s.on("data", (d) => {
      out += d.toString();
    });
    s.on("end", () => resolve(out.split("\r\n")[0]));
    s.on("error", reject);
    s.setTimeout(5000, () => s.destroy(new Error("timeout")));
  });
}

test("a second token (header or parameter) must verify too: no smuggling past the first", async () => {
  const good = token({});
  const bad = token({ iss: "https://evil.example" });
  const two = await raw(
    `GET /secure/x HTTP/1.1\r\nhost: a\r\nauthorization: Bearer ${good}\r\nauthorization: Bearer ${bad}\r\nconnection: close\r\n\r\n`,
  );
  assert.match(two, / 401 /);
  assert.equal((await get(`/secure/x?token=${bad}`, good)).status, 401);
  assert.equal(
    (await get(`/secure/x?token=${good}`)).status,
    200,
    "a token in the parameter alone works",
  );
});
