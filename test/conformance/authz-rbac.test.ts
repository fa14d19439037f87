// Conformance with Istio's authorization builder goldens (pilot/pkg/security/authz/builder/
// testdata, indexed by translation/authz-rbac/index.yaml): the AuthorizationPolicies selected for
// app=httpbin,version=v1 in namespace foo become exactly the Envoy filters Istio generates. The
// goldens are in protojson (camelCase); ours are Envoy's JSON field names, so keys are converted
// before a deep comparison (map keys under `policies` are names, not fields, and stay).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { parse, parseAllDocuments } from "yaml";
import type { ExtensionProvider } from "../../src/api/mesh-config.ts";
import type { Resource } from "../../src/api/resource.ts";
import type { AuthorizationPolicy } from "../../src/api/types/index.ts";
import { applicablePolicies } from "../../src/model/policies.ts";
import { customFilters, rbacFilters } from "../../src/xds/generators/authz/builder.ts";
import { trustDomainBundle } from "../../src/xds/generators/authz/trust-domain.ts";
import { ISTIO_CORPUS } from "../helpers/paths.ts";

const BASE = `${ISTIO_CORPUS}translation/authz-rbac/`;

interface Case {
  name: string;
  input: string;
  want: string[];
  meshConfig?: string;
  tdBundle?: { trustDomain: string; aliases: string[] };
}

interface Index {
  meshConfigs: Record<string, { extensionProviders: ExtensionProvider[] }>;
  http: Case[];
  tcp: Case[];
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function toEnvoyJson(v: unknown, keepKeys = false): unknown {
  if (Array.isArray(v)) return v.map((x) => toEnvoyJson(x));
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const key = keepKeys || k === "@type" ? k : snake(k);
      out[key] = toEnvoyJson(x, key === "policies");
    }
    return out;
  }
  return v;
}

const EXT_AUTHZ_HOST = "my-custom-ext-authz.foo.svc.cluster.local";

function run(c: Case, index: Index, forTCP: boolean): unknown[] {
  const docs = parseAllDocuments(readFileSync(BASE + c.input, "utf8"))
    .map((d) => d.toJS() as AuthorizationPolicy | null)
    .filter((d): d is AuthorizationPolicy => d !== null);
  const selected = applicablePolicies(
    docs as unknown as Resource[],
    "foo",
    { app: "httpbin", version: "v1" },
    "istio-system",
  );
  const policies = [
    ...selected.root,
    ...selected.namespace,
    ...selected.workload,
  ] as unknown as AuthorizationPolicy[];
  const ctx = {
    trustDomains: trustDomainBundle(
      c.tdBundle?.trustDomain ?? "cluster.local",
      c.tdBundle?.aliases ?? [],
    ),
    extensionProviders: c.meshConfig ? index.meshConfigs[c.meshConfig].extensionProviders : [],
    resolveService: (ns: string | undefined, host: string) =>
      host === EXT_AUTHZ_HOST && (ns === undefined || ns === "foo") ? host : undefined,
  };
  return c.meshConfig ? customFilters(policies, forTCP, ctx) : rbacFilters(policies, forTCP, ctx);
}

describe("conformance: AuthorizationPolicy → Envoy RBAC (Istio builder goldens)", () => {
  const index = parse(readFileSync(`${BASE}index.yaml`, "utf8")) as Index;
  let passed = 0;
  const total = index.http.length + index.tcp.length;
  after(() => console.log(`conformance authz-rbac: ${passed}/${total}`));

  for (const [kind, cases] of [
    ["http", index.http],
    ["tcp", index.tcp],
  ] as const) {
    for (const c of cases) {
      it(`${kind}/${c.name}`, () => {
        const got = run(c, index, kind === "tcp");
        const want = c.want.map((f) => toEnvoyJson(parse(readFileSync(BASE + f, "utf8"))));
        assert.deepStrictEqual(got, want);
        passed++;
      });
    }
  }
});
