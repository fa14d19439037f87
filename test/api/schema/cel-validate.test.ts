// CEL rules (x-kubernetes-validations) of CRD schemas, reported as the API server words them.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rewriteRule } from "../../../src/api/schema/cel-env.ts";
import { escapeName } from "../../../src/api/schema/cel-value.ts";
import { errorBody } from "../../../src/api/schema/field-error.ts";
import { compileSchema, validateAgainst } from "../../../src/api/schema/index.ts";

type Rule = Record<string, string>;

function check(specSchema: Record<string, unknown>, spec: unknown): string[] {
  const schema = compileSchema({ type: "object", properties: { spec: specSchema } });
  const errs = validateAgainst({ schema, statusSubresource: true }, { spec });
  return errs.map((e) => `${e.path}: ${errorBody(e)}`);
}

const withRules = (schema: Record<string, unknown>, ...rules: Rule[]) => ({
  ...schema,
  "x-kubernetes-validations": rules,
});

describe("CEL x-kubernetes-validations", () => {
  it("reports the rule's message on the node, typed as Kubernetes does", () => {
    const s = withRules(
      {
        type: "object",
        properties: {
          port: withRules(
            { type: "integer" },
            {
              rule: "0 < self && self <= 65535",
              message: "port must be between 1-65535",
            },
          ),
        },
      },
      { rule: "has(self.port)", message: "port is required" },
    );
    assert.deepEqual(check(s, { port: 80 }), []);
    assert.deepEqual(check(s, { port: 0 }), [
      'spec.port: Invalid value: "integer": port must be between 1-65535',
    ]);
    assert.deepEqual(check(s, {}), ['spec: Invalid value: "object": port is required']);
  });

  it("says `failed rule` without a message and honours fieldPath and reason", () => {
    const s = withRules(
      { type: "object", properties: { a: { type: "string" }, b: { type: "string" } } },
      { rule: "self.a != self.b" },
      {
        rule: "has(self.b)",
        message: "b is needed",
        fieldPath: ".b",
        reason: "FieldValueRequired",
      },
    );
    assert.deepEqual(check(s, { a: "x", b: "x" }), [
      'spec: Invalid value: "object": failed rule: self.a != self.b',
    ]);
    assert.deepEqual(check(s, { a: "x" }).at(-1), "spec.b: Required value: b is needed");
  });

  it("uses messageExpression when it yields a string", () => {
    const s = withRules(
      { type: "string" },
      { rule: "self.startsWith('a')", messageExpression: "'got ' + self", message: "fallback" },
    );
    assert.deepEqual(check(s, "bcd"), ['spec: Invalid value: "string": got bcd']);
  });

  it("skips transition rules (oldSelf) on create", () => {
    const s = withRules({ type: "string" }, { rule: "self == oldSelf", message: "immutable" });
    assert.deepEqual(check(s, "x"), []);
  });

  it("words runtime errors as cel-go and keeps the rule's message", () => {
    const s = {
      type: "object",
      additionalProperties: { type: "object" },
      "x-kubernetes-validations": [
        {
          rule: "self.all(key, 0 < int(key) && int(key) <= 65535)",
          message: "port must be between 1-65535",
        },
      ],
    };
    assert.deepEqual(check(s, { "8080": {} }), []);
    assert.deepEqual(check(s, { acd: {} }), [
      "spec: Invalid value: \"object\": type conversion error from 'string' to 'int' evaluating rule: port must be between 1-65535",
    ]);
  });

  it("matches with RE2 syntax, including (?i)", () => {
    const s = withRules({ type: "string" }, { rule: 'self.matches(r"""^(?i)\\.?[a-z_]+$""")' });
    assert.deepEqual(check(s, "Hello"), []);
    assert.equal(check(s, "a-b").length, 1);
  });

  it("supports has() on indexed operands (cel-go allows it)", () => {
    assert.equal(
      rewriteRule("!has(self.matches[0].path) && has(self.a.b)"),
      '!k8sHasField(self.matches[0], "path") && has(self.a.b)',
    );
    const s = withRules(
      { type: "array", items: { type: "object", properties: { path: { type: "string" } } } },
      { rule: "size(self) == 0 || has(self[0].path)", message: "first needs a path" },
    );
    assert.deepEqual(check(s, [{ path: "/" }]), []);
    assert.deepEqual(check(s, [{}]), ['spec: Invalid value: "array": first needs a path']);
  });

  it("escapes reserved property names (namespace → __namespace__)", () => {
    assert.equal(escapeName("namespace"), "__namespace__");
    assert.equal(escapeName("a-b.c/d"), "a__dash__b__dot__c__slash__d");
    assert.equal(escapeName("x__y"), "x__underscores__y");
    const s = withRules(
      { type: "object", properties: { namespace: { type: "string" } } },
      { rule: "!has(self.__namespace__) || self.__namespace__ == 'default'", message: "same ns" },
    );
    assert.deepEqual(check(s, { namespace: "default" }), []);
    assert.deepEqual(check(s, { namespace: "other" }), ['spec: Invalid value: "object": same ns']);
  });

  it("has Kubernetes' URL, IP and format libraries", () => {
    const url = withRules(
      { type: "string" },
      {
        rule: 'isURL(self) ? (url(self).getScheme() in ["", "http", "https", "oci", "file"]) : (isURL("http://" + self) && url("http://" + self).getScheme() in ["", "http", "https", "oci", "file"])',
        message: "url must have schema one of [http, https, file, oci]",
      },
    );
    for (const ok of ["http://test", "test", "file:///opt/x.wasm", "oci://reg/img:tag", "/abs"]) {
      assert.deepEqual(check(url, ok), [], ok);
    }
    for (const bad of ["fake://example.com", "#%blah$#@"])
      assert.equal(check(url, bad).length, 1, bad);
    const scheme = withRules(
      { type: "string" },
      {
        rule: 'url(self).getScheme() in ["http", "https"]',
        message: "url must have scheme http:// or https://",
      },
    );
    assert.match(check(scheme, "hTPp\\\blah")[0]!, /evaluating rule: url must have scheme/);
    const ip = withRules({ type: "string" }, { rule: "!isIP(self)", message: "no IPs" });
    assert.deepEqual(check(ip, "example.com"), []);
    assert.equal(check(ip, "10.0.0.1").length, 1);
    assert.equal(check(ip, "::1").length, 1);
    const label = withRules(
      { type: "string" },
      { rule: "size(self) == 0 || format.dns1123Label().validate(self) == null", message: "dns" },
    );
    assert.deepEqual(check(label, "http-80"), []);
    assert.equal(check(label, "Not_A_Label").length, 1);
  });

  it("sees durations, integers and doubles with CEL types", () => {
    const s = {
      type: "object",
      properties: {
        timeout: withRules(
          { type: "string" },
          {
            rule: "duration(self) >= duration('1ms')",
            message: "must be a valid duration greater than 1ms",
          },
        ),
        ratio: withRules({ type: "number" }, { rule: "self <= 1.0", message: "ratio" }),
      },
    };
    assert.deepEqual(check(s, { timeout: "1.5s", ratio: 1 }), []);
    assert.match(check(s, { timeout: "apple" })[0]!, /must be a valid duration greater than 1ms/);
    assert.deepEqual(check(s, { ratio: 1.5 }), ['spec.ratio: Invalid value: "number": ratio']);
  });
});
