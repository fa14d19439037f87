// Semantic checks run inside validateObject (after the structural ones) and come out as
// Istio-style diagnostics naming the resource and field.

import assert from "node:assert/strict";
import { test } from "node:test";
import { formatDiagnostic } from "../../../src/api/diagnostic.ts";
import { parseText } from "../../../src/api/parse.ts";
import { validateObject } from "../../../src/api/validate.ts";

test("semantic errors make the object invalid and name kind, namespace, name and path", () => {
  const [obj] = parseText(
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: bookinfo}
spec:
  hosts: [reviews]
  http:
  - match: [{uri: {regex: "/a(b"}}]
    route: [{destination: {host: reviews}}]
`,
    "vs.yaml",
  ).objects;
  const result = validateObject(obj);
  assert.equal(result.resource, undefined);
  assert.deepEqual(result.diagnostics.map(formatDiagnostic), [
    'Error [VirtualService bookinfo/reviews] spec.http[0].match[0].uri: "uri": error parsing regexp: missing closing ): `/a(b`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)',
  ]);
});

test("warnings alone keep the object valid", () => {
  const [obj] = parseText(
    `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-post, namespace: default}
spec:
  action: DENY
  rules:
  - to: [{operation: {methods: [POST]}}]
`,
  ).objects;
  const result = validateObject(obj);
  assert.ok(result.resource);
  assert.equal(result.diagnostics.length, 1);
  assert.equal(result.diagnostics[0].level, "warning");
  assert.equal(result.diagnostics[0].path, "spec.rules[0]");
});
