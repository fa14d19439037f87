// The analysis message catalogue: Istio's messages.yaml and its Go-style message formatting.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { catalogue, formatTemplate, levelRank, parseLevel } from "../../src/analysis/messages.ts";

describe("analysis message catalogue", () => {
  it("loads Istio's messages.yaml with codes, levels and templates", () => {
    const t = catalogue().get("ReferencedResourceNotFound");
    assert.equal(t.code, "IST0101");
    assert.equal(t.level, "Error");
    assert.equal(t.template, "Referenced %s not found: %q");
    assert.ok(catalogue().types.length >= 60);
    assert.throws(() => catalogue().get("NoSuchMessage"), /unknown analysis message type/);
  });

  it("formats Go verbs as fmt does", () => {
    assert.equal(
      formatTemplate("Referenced %s not found: %q", ["host", "reviews2"]),
      'Referenced host not found: "reviews2"',
    );
    assert.equal(formatTemplate("ports %v", [[80, 443]]), "ports [80 443]");
    assert.equal(formatTemplate("port %d, %q", [9080, ["a", "b"]]), 'port 9080, ["a" "b"]');
    assert.equal(formatTemplate("100%% %v", [undefined]), "100% <nil>");
  });

  it("orders levels Info < Warning < Error and parses them case-insensitively", () => {
    assert.ok(levelRank("Info") < levelRank("Warning"));
    assert.ok(levelRank("Warning") < levelRank("Error"));
    assert.equal(parseLevel("warning"), "Warning");
    assert.equal(parseLevel("fatal"), undefined);
  });
});
