// The CRD bundle: a schema for every version of every CRD kind, and a clear error when missing.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KINDS } from "../../../src/api/kinds.ts";
import { compileRule } from "../../../src/api/schema/cel-validate.ts";
import { crdVersion } from "../../../src/api/schema/crd-source.ts";
import { withDefaults } from "../../../src/api/schema/index.ts";
import type { Structural } from "../../../src/api/schema/structural.ts";
import { runMast } from "../../helpers/run.ts";

function* nodes(s: Structural): Generator<Structural> {
  yield s;
  for (const p of s.properties?.values() ?? []) yield* nodes(p);
  if (s.items) yield* nodes(s.items);
  if (s.additionalProperties) yield* nodes(s.additionalProperties);
}

describe("CRD bundle", () => {
  it("serves a schema for every version of every CRD kind, and every CEL rule compiles", () => {
    const rules = new Set<string>();
    const missing: string[] = [];
    for (const kind of KINDS.filter((k) => k.crd)) {
      for (const version of kind.versions) {
        const crd = crdVersion(kind, version);
        if (!crd) {
          missing.push(`${kind.id}/${version}`);
          continue;
        }
        assert.equal(crdVersion(kind, version), crd, "compiled schemas are cached");
        for (const n of nodes(crd.schema)) for (const r of n.rules) rules.add(r.rule);
      }
    }
    // kinds.ts lists exactly the versions the bundle serves.
    assert.deepEqual(missing, []);
    const broken = [...rules].filter((r) => compileRule(r) instanceof Error);
    assert.deepEqual(broken, []);
    assert.ok(rules.size > 100, `only ${rules.size} rules found`);
  });

  it("says clearly where it looked when the bundle is missing", () => {
    const input =
      "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {}\n";
    const r = runMast(["validate", "-f", "-"], {
      input,
      env: { MAST_CRD_DIR: "/nonexistent/crds" },
    });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /CRD schemas not found in \/nonexistent\/crds .*set MAST_CRD_DIR/);
  });
});

describe("schema defaults", () => {
  it("fills Gateway API defaults as the API server stores them", () => {
    const kind = KINDS.find((k) => k.id === "HTTPRoute.gateway.networking.k8s.io")!;
    const body = {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "r" },
      spec: { parentRefs: [{ name: "gw" }], rules: [{ backendRefs: [{ name: "svc", port: 80 }] }] },
    };
    const out = withDefaults(kind, body) as { spec: Record<string, unknown[]> };
    assert.deepEqual(out.spec.parentRefs![0], {
      group: "gateway.networking.k8s.io",
      kind: "Gateway",
      name: "gw",
    });
    assert.deepEqual(out.spec.rules![0], {
      backendRefs: [{ group: "", kind: "Service", name: "svc", port: 80, weight: 1 }],
      matches: [{ path: { type: "PathPrefix", value: "/" } }],
    });
    assert.equal((body.spec.parentRefs[0] as Record<string, unknown>).kind, undefined);
  });
});
