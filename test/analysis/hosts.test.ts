// Host rules the analyzers share: short names to FQDNs, wildcard matching, gateway host
// visibility and export scopes; and label selectors.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  exportScopes,
  hostMatches,
  namesForNamespace,
  resourceNameFromHost,
  toFqdn,
} from "../../src/analysis/util/hosts.ts";
import { labelSelectorMatches, selectorString } from "../../src/analysis/util/selectors.ts";

describe("analysis host rules", () => {
  it("expands short names and keeps FQDNs and wildcards", () => {
    assert.equal(toFqdn("default", "reviews"), "reviews.default.svc.cluster.local");
    assert.equal(toFqdn("default", "reviews.other"), "reviews.other");
    assert.equal(toFqdn("default", "*.example.com"), "*.example.com");
    assert.deepEqual(resourceNameFromHost("default", "details.bookinfo.svc.cluster.local"), {
      namespace: "bookinfo",
      name: "details",
    });
    assert.deepEqual(resourceNameFromHost("default", "reviews"), {
      namespace: "default",
      name: "reviews",
    });
  });

  it("matches wildcards either way, as host.Name.Matches", () => {
    assert.ok(hostMatches("*.example.com", "a.example.com"));
    assert.ok(hostMatches("a.example.com", "*.example.com"));
    assert.ok(hostMatches("*.productpage.d", "*.d"));
    assert.ok(hostMatches("*", "anything"));
    assert.ok(!hostMatches("a.example.com", "b.example.com"));
  });

  it("keeps gateway hosts visible from a namespace and drops the namespace part", () => {
    assert.deepEqual(namesForNamespace(["ns1/a.com", "*/b.com", "ns2/c.com", "d.com"], "ns1"), [
      "a.com",
      "b.com",
      "d.com",
    ]);
  });

  it("resolves exportTo to scopes: none or * is everywhere, . is the own namespace", () => {
    assert.deepEqual(exportScopes("ns1", []), ["*"]);
    assert.deepEqual(exportScopes("ns1", [".", "ns2", "*"]), ["*"]);
    assert.deepEqual(exportScopes("ns1", [".", "ns2", "ns1"]), ["ns1", "ns2"]);
  });
});

describe("analysis label selectors", () => {
  it("prints selectors as Kubernetes does and evaluates match expressions", () => {
    assert.equal(selectorString({ b: "2", a: "1" }), "a=1,b=2");
    const sel = {
      matchLabels: { app: "x" },
      matchExpressions: [
        { key: "istio.io/rev", operator: "DoesNotExist" },
        { key: "istio-injection", operator: "NotIn", values: ["disabled"] },
      ],
    };
    assert.ok(labelSelectorMatches(sel, { app: "x" }));
    assert.ok(!labelSelectorMatches(sel, { app: "x", "istio.io/rev": "canary" }));
    assert.ok(!labelSelectorMatches(sel, { app: "x", "istio-injection": "disabled" }));
    assert.ok(labelSelectorMatches(undefined, {}));
  });
});
