// parseText: multi-document YAML and JSON with line origins, and hostile input within limits.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_DEPTH, MAX_INPUT_BYTES, parseText } from "../../src/api/parse.ts";
import { validateObject } from "../../src/api/validate.ts";

const vs = (name: string) => `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: ${name}, namespace: default}
spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews}}]}]}
`;

describe("parseText", () => {
  it("reads multi-document YAML with line origins", () => {
    const { objects, problems } = parseText(`${vs("a")}---\n${vs("b")}`, "x.yaml");
    assert.deepEqual(problems, []);
    assert.deepEqual(
      objects.map((o) => [o.origin.file, o.origin.line, o.origin.doc]),
      [
        ["x.yaml", 1, 0],
        ["x.yaml", 6, 1],
      ],
    );
  });

  it("reads JSON and expands kind: List", () => {
    const list = JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "a" } },
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "b" } },
      ],
    });
    const { objects } = parseText(list);
    assert.deepEqual(
      objects.map((o) => (o.body.metadata as { name: string }).name),
      ["a", "b"],
    );
  });

  it("normalizes every served apiVersion to one internal form", () => {
    const forms = ["v1", "v1beta1", "v1alpha3"].map((v) => {
      const { objects } = parseText(vs("r").replace("v1beta1", v));
      return validateObject(objects[0]!).resource;
    });
    assert.ok(forms.every((r) => r?.kind.id === "VirtualService.networking.istio.io"));
    assert.deepEqual(forms[0]!.spec, forms[2]!.spec);
  });

  const hostile: [string, string | Buffer, RegExp][] = [
    ["malformed YAML", "kind: [unclosed\n", /malformed YAML/],
    [
      "duplicate keys",
      "apiVersion: v1\nkind: Namespace\nkind: Pod\n",
      /malformed YAML.*unique|duplicate/i,
    ],
    ["binary data", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0xff, 0xfe]), /not text/],
    ["oversized input", "a".repeat(MAX_INPUT_BYTES + 1), /limit/],
    ["deep flow nesting", `${"[".repeat(5000)}${"]".repeat(5000)}`, /nest|malformed/],
    [
      "deep nesting within limits of YAML",
      `a: ${"[".repeat(MAX_DEPTH + 1)}${"]".repeat(MAX_DEPTH + 1)}`,
      /nests deeper/,
    ],
    [
      "alias bomb",
      [
        "a: &a [x,x,x,x,x,x,x,x,x]",
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]",
        "f: [*e,*e,*e,*e,*e,*e,*e,*e,*e]",
      ].join("\n"),
      /alias/i,
    ],
    ["a scalar document", "just text\n", /not an object/],
  ];
  for (const [name, input, expected] of hostile) {
    it(`reports ${name} without throwing`, () => {
      const { objects, problems } = parseText(input, "bad.yaml");
      assert.equal(objects.length, 0);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.match(problems[0]!.message, expected);
    });
  }
});

describe("identify", () => {
  const cases: [string, string, RegExp][] = [
    [
      "unknown kind",
      "apiVersion: v1\nkind: Frobnicator\nmetadata: {name: x}\n",
      /unknown kind "Frobnicator"/,
    ],
    [
      "wrong group",
      "apiVersion: example.com/v1\nkind: VirtualService\nmetadata: {name: x}\n",
      /unknown API group "example.com"/,
    ],
    [
      "unserved version",
      "apiVersion: networking.istio.io/v2\nkind: VirtualService\nmetadata: {name: x}\n",
      /not served/,
    ],
    [
      "missing name",
      "apiVersion: v1\nkind: Namespace\nmetadata: {}\n",
      /metadata.name is required/,
    ],
    ["missing kind", "apiVersion: v1\nmetadata: {name: x}\n", /kind is required/],
  ];
  for (const [name, text, expected] of cases) {
    it(`rejects ${name}`, () => {
      const { objects } = parseText(text);
      const { resource, diagnostics } = validateObject(objects[0]!);
      assert.equal(resource, undefined);
      assert.match(diagnostics[0]!.message, expected);
    });
  }
});

describe("YAML as Kubernetes reads it", () => {
  it("reads an IPv6 address ending in :: in a flow sequence as a string", () => {
    const { objects } = parseText("addresses: [1.2.3.4, 001:db8::, {a: 1}, fe80::1]\n");
    assert.deepEqual(objects[0]!.body.addresses, ["1.2.3.4", "001:db8::", { a: 1 }, "fe80::1"]);
  });
});
