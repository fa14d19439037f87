// OpenAPI structural validation of CRD objects: unknown fields, types, limits, formats.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { errorBody } from "../../../src/api/schema/field-error.ts";
import { compileSchema, validateAgainst } from "../../../src/api/schema/index.ts";

/** Validates `spec` against a root schema whose `spec` is `specSchema`; returns `path: body`. */
function check(specSchema: Record<string, unknown>, spec: unknown): string[] {
  const schema = compileSchema({ type: "object", properties: { spec: specSchema } });
  const errs = validateAgainst({ schema, statusSubresource: true }, { spec });
  return errs.map((e) => `${e.path}: ${errorBody(e)}`);
}

const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: "object",
  properties,
  ...extra,
});

describe("OpenAPI structural validation", () => {
  it("reports unknown fields as strict kubectl does, at any depth", () => {
    const s = obj({ http: { type: "array", items: obj({ name: { type: "string" } }) } });
    assert.deepEqual(check(s, { http: [{ name: "a", websocketUpgrade: true }], extra: 1 }), [
      'spec.http[0].websocketUpgrade: unknown field "spec.http[0].websocketUpgrade"',
      'spec.extra: unknown field "spec.extra"',
    ]);
  });

  it("keeps unknown fields under x-kubernetes-preserve-unknown-fields and in maps", () => {
    const s = obj({
      config: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
      labels: { type: "object", additionalProperties: { type: "string", maxLength: 3 } },
    });
    assert.deepEqual(check(s, { config: { a: { b: [1] } }, labels: { app: "ok" } }), []);
    assert.deepEqual(check(s, { labels: { app: "long" } }), [
      "spec.labels[app]: Too long: may not be more than 3 bytes",
    ]);
  });

  it("accepts integers and strings for x-kubernetes-int-or-string, nothing else", () => {
    const s = obj({ port: { "x-kubernetes-int-or-string": true } });
    assert.deepEqual(check(s, { port: 80 }), []);
    assert.deepEqual(check(s, { port: "http" }), []);
    const errs = check(s, { port: true });
    assert.match(
      errs[0]!,
      /^spec\.port: Invalid value: true: spec\.port in body must be of type integer,string: "boolean"$/,
    );
  });

  it("allows null only where nullable, with the API server's type message", () => {
    const s = obj({ a: { type: "string", nullable: true }, b: { type: "string" } });
    assert.deepEqual(check(s, { a: null }), []);
    assert.equal(
      check(s, { b: null })[0],
      'spec.b: Invalid value: "null": spec.b in body must be of type string: "null"',
    );
    const root = compileSchema({ type: "object", properties: { spec: obj({}) } });
    const errs = validateAgainst({ schema: root, statusSubresource: true }, { spec: null });
    assert.equal(
      errorBody(errs[0]!),
      'Invalid value: "null": spec in body must be of type object: "null"',
    );
  });

  it("checks required, lengths, patterns, bounds, enums and item counts", () => {
    const s = obj(
      {
        url: { type: "string", minLength: 1 },
        sha: { type: "string", pattern: "(^$|^[a-f0-9]{64}$)" },
        port: { type: "integer", minimum: 1, maximum: 65535 },
        mode: { type: "string", enum: ["STRICT", "PERMISSIVE"] },
        hosts: { type: "array", items: { type: "string" }, maxItems: 1, minItems: 1 },
        ports: { type: "object", minProperties: 1 },
      },
      { required: ["hosts"] },
    );
    assert.deepEqual(check(s, {}), ["spec.hosts: Required value"]);
    assert.deepEqual(
      check(s, { hosts: [], url: "", sha: "x", port: 0, mode: "MANDATORY", ports: {} }),
      [
        "spec.hosts: Invalid value: []: spec.hosts in body should have at least 1 items",
        'spec.url: Invalid value: "": spec.url in body should be at least 1 chars long',
        "spec.sha: Invalid value: \"x\": spec.sha in body should match '(^$|^[a-f0-9]{64}$)'",
        "spec.port: Invalid value: 0: spec.port in body should be greater than or equal to 1",
        'spec.mode: Unsupported value: "MANDATORY": supported values: "STRICT", "PERMISSIVE"',
        "spec.ports: Invalid value: {}: spec.ports in body should have at least 1 properties",
      ],
    );
    assert.deepEqual(check(s, { hosts: ["a", "b"] }), [
      "spec.hosts: Too many: 2: must have at most 1 items",
    ]);
  });

  it("reports duplicates in x-kubernetes-list-type set and map lists", () => {
    const s = obj({
      tags: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" },
      env: {
        type: "array",
        items: obj({ name: { type: "string" }, value: { type: "string" } }),
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
      },
    });
    assert.deepEqual(check(s, { tags: ["a", "b"], env: [{ name: "a" }, { name: "b" }] }), []);
    assert.deepEqual(
      check(s, {
        tags: ["a", "a"],
        env: [
          { name: "x", value: "1" },
          { name: "x", value: "2" },
        ],
      }),
      ['spec.tags[1]: Duplicate value: "a"', 'spec.env[1]: Duplicate value: {"name":"x"}'],
    );
  });

  it("applies schema defaults before validating", () => {
    const s = obj({
      ref: obj(
        { group: { type: "string", default: "" }, kind: { type: "string" } },
        {
          "x-kubernetes-validations": [
            {
              rule: "size(self.group) == 0 ? self.kind == 'Service' : true",
              message: "core is Service",
            },
          ],
        },
      ),
    });
    assert.deepEqual(check(s, { ref: { kind: "Service" } }), []);
    assert.deepEqual(check(s, { ref: { kind: "Pod" } }), [
      'spec.ref: Invalid value: "object": core is Service',
    ]);
  });

  it("evaluates oneOf/not composites as value validations", () => {
    // Istio's shape for "at most one of jwksUri, jwks".
    const s = obj(
      { jwksUri: { type: "string" }, jwks: { type: "string" } },
      {
        oneOf: [
          { not: { anyOf: [{ required: ["jwksUri"] }, { required: ["jwks"] }] } },
          { required: ["jwksUri"] },
          { required: ["jwks"] },
        ],
      },
    );
    assert.deepEqual(check(s, { jwks: "{}" }), []);
    assert.deepEqual(check(s, {}), []);
    const errs = check(s, { jwks: "{}", jwksUri: "https://x" });
    assert.equal(errs.length, 1);
    assert.match(errs[0]!, /must validate one and only one schema \(oneOf\)\. Found 2 valid/);
  });

  it("skips CEL rules after a type error, as the API server does", () => {
    const s = obj({
      n: { type: "integer", "x-kubernetes-validations": [{ rule: "self > 0", message: "pos" }] },
      m: { type: "string", enum: ["A"] },
    });
    const errs = check(s, { n: -1, m: "B" });
    assert.equal(errs.length, 2);
    assert.match(errs[0]!, /Unsupported value: "B"/);
    assert.match(errs[1]!, /some validation rules were not checked/);
  });

  it("does not run quadratic rules over a list longer than maxItems", () => {
    const s = obj({
      ports: {
        type: "array",
        maxItems: 2,
        items: obj({ number: { type: "integer" } }),
        "x-kubernetes-validations": [
          { rule: "self.all(a, self.exists_one(b, a.number == b.number))", message: "dup" },
        ],
      },
    });
    const ports = Array.from({ length: 20_000 }, (_, i) => ({ number: i % 2 }));
    const errs = check(s, { ports });
    assert.equal(errs[0], "spec.ports: Too many: 20000: must have at most 2 items");
    assert.match(errs[1]!, /some validation rules were not checked/);
  });
});
