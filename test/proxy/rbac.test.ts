// envoy.filters.http.rbac through the proxy, configured by the control plane's own authz builder
// from AuthorizationPolicies (so pilot and proxy agree): ALLOW by method and path, DENY by path
// and header, path tricks against the HCM's normalization as pilot sets it (normalize_path on,
// merge_slashes off, escaped slashes kept), Envoy's 403 with the RBAC flag and policy details,
// shadow (dry-run) rules that count but never deny, per-route RBACPerRoute, and rbac stats.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { AuthorizationPolicy } from "../../src/api/types/index.ts";
import { rbacFilters } from "../../src/xds/generators/authz/builder.ts";
import { trustDomainBundle } from "../../src/xds/generators/authz/trust-domain.ts";
import {
  type Backend,
  ROUTER,
  request,
  routedBootstrap,
  STDOUT_LOG,
  startBackend,
  startProxy,
  staticCluster,
  type TestProxy,
} from "./helpers.ts";

function policy(name: string, spec: AuthorizationPolicy["spec"], dryRun = false) {
  return {
    metadata: {
      name,
      namespace: "foo",
      annotations: dryRun ? { "istio.io/dry-run": "true" } : undefined,
    },
    spec,
  } as unknown as AuthorizationPolicy;
}

const POLICIES = [
  policy("allow-read", {
    rules: [
      { to: [{ operation: { methods: ["GET"], paths: ["/headers", "/public/*", "/admin/*"] } }] },
      { to: [{ operation: { methods: ["POST"], paths: ["/anything/{*}/post"] } }] },
    ],
  }),
  policy("deny-admin", {
    action: "DENY",
    rules: [
      { to: [{ operation: { paths: ["/admin", "/admin/*"] } }] },
      { when: [{ key: "request.headers[x-block]", values: ["*"] }] },
    ],
  }),
  policy(
    "dry-deny-public",
    { action: "DENY", rules: [{ to: [{ operation: { paths: ["/public/*"] } }] }] },
    true,
  ),
];

const filters = rbacFilters(POLICIES, false, {
  trustDomains: trustDomainBundle("cluster.local", []),
  extensionProviders: [],
  resolveService: () => undefined,
});

let a: Backend;
let px: TestProxy;

before(async () => {
  a = await startBackend("A");
  px = await startProxy(
    routedBootstrap(
      [
        {
          match: { prefix: "/open" },
          route: { cluster: "A" },
          // RBACPerRoute without rules turns the (DENY) filter off for this route.
          typed_per_filter_config: {
            "envoy.filters.http.rbac": {
              "@type": "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute",
            },
          },
        },
        { match: { prefix: "/" }, route: { cluster: "A" } },
      ],
      [staticCluster("A", a.port)],
      {
        http_filters: [...filters, ROUTER],
        normalize_path: true,
        merge_slashes: false,
        path_with_escaped_slashes_action: "KEEP_UNCHANGED",
        access_log: [
          {
            name: "envoy.access_loggers.stdout",
            typed_config: {
              "@type": STDOUT_LOG,
              log_format: {
                text_format_source: {
                  inline_string:
                    "%REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%\n",
                },
              },
            },
          },
        ],
      },
    ),
  );
});

after(async () => {
  await px.stop();
  await a.close();
});

function stat(name: string): number {
  return px.running.proxy.stats.all().find((s) => s.name === name)?.value ?? 0;
}

test("ALLOW by method and path; everything else gets Envoy's 403", async () => {
  const port = px.port("l");
  assert.equal((await request(port, "/headers")).status, 200);
  assert.equal((await request(port, "/public/x?q=1")).status, 200);
  assert.equal((await request(port, "/anything/abc/post", { method: "POST" })).status, 200);
  assert.equal((await request(port, "/anything/a/b/post", { method: "POST" })).status, 403);
  const denied = await request(port, "/headers", { method: "POST" });
  assert.equal(denied.status, 403);
  assert.equal(denied.body, "RBAC: access denied");
  assert.equal((await request(port, "/other")).status, 403);
});

test("DENY wins over ALLOW, by path and by header presence", async () => {
  const port = px.port("l");
  assert.equal((await request(port, "/admin/users")).status, 403);
  assert.equal((await request(port, "/headers", { headers: { "x-block": "" } })).status, 403);
  assert.ok(
    px.logs.includes(
      "/admin/users 403 RBAC rbac_access_denied_matched_policy[ns[foo]-policy[deny-admin]-rule[0]]\n",
    ),
    px.logs.join(""),
  );
  assert.ok(px.logs.includes("/other 403 RBAC rbac_access_denied_matched_policy[none]\n"));
});

test("path tricks are normalized (or fail closed) before RBAC sees them", async () => {
  const port = px.port("l");
  const cases: [string, number][] = [
    ["/public/../admin/x", 403], // dot segments removed: /admin/x is denied
    ["/public/%2e%2e/admin/x", 403], // percent-encoded dots decoded, then removed
    ["/admin?x=1", 403], // the query is not part of the path
    ["/admin#x", 403], // nor the fragment
    ["//admin/x", 403], // slashes are not merged: matches no ALLOW path
    ["/public%2F..%2Fadmin", 403], // escaped slashes kept: matches no ALLOW path
    ["/ADMIN/x", 403], // case-sensitive: matches no ALLOW path either
    ["/admin;x", 403],
  ];
  for (const [path, want] of cases) {
    assert.equal((await request(port, path)).status, want, path);
  }
  assert.ok(!a.seen.some((s) => s.url.toLowerCase().includes("admin")), "nothing admin reached A");
});

test("dry-run rules count but never deny; per-route config disables the filter", async () => {
  const port = px.port("l");
  const before = stat("http.l.rbac.istio_dry_run_deny_shadow_denied");
  assert.equal((await request(port, "/public/y")).status, 200);
  assert.equal(stat("http.l.rbac.istio_dry_run_deny_shadow_denied"), before + 1);
  assert.equal((await request(port, "/open", { headers: { "x-block": "1" } })).status, 200);
  assert.ok(stat("http.l.rbac.denied") > 0);
  assert.ok(stat("http.l.rbac.allowed") > 0);
});
