// Table-driven harness for semantic validation tests: each case is a resource written as YAML
// and the exact `path: message` errors and warnings Istio's checks should produce.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Report } from "../../../src/api/diagnostic.ts";
import { parseText } from "../../../src/api/parse.ts";
import { describe } from "../../../src/api/resource.ts";
import { toResource } from "../../../src/api/validate.ts";
import { validateSemantics } from "../../../src/api/validation/index.ts";

export interface Case {
  readonly name: string;
  /** The `spec:` body, indented by two spaces, or a whole document starting with `apiVersion:`. */
  readonly yaml: string;
  readonly errors?: readonly string[];
  /** Checked only when given; otherwise warnings are allowed. */
  readonly warnings?: readonly string[];
  readonly metadata?: string;
}

export function semantics(text: string): { errors: string[]; warnings: string[] } {
  const { objects, problems } = parseText(text, "case.yaml");
  assert.deepEqual(problems, [], "case YAML must parse");
  assert.equal(objects.length, 1);
  const converted = toResource(objects[0]);
  assert.ok(converted.ok, "case must be a known kind");
  const report = new Report(describe(converted.resource));
  validateSemantics(converted.resource, report);
  const fmt = (level: string) =>
    report.items.filter((d) => d.level === level).map((d) => `${d.path}: ${d.message}`);
  return { errors: fmt("error"), warnings: fmt("warning") };
}

/** Runs one test per case for kind `kind` of `apiVersion`. */
export function runCases(apiVersion: string, kind: string, cases: readonly Case[]): void {
  for (const c of cases) {
    test(`${kind}: ${c.name}`, () => {
      const text = c.yaml.startsWith("apiVersion:")
        ? c.yaml
        : `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: ${c.metadata ?? "{name: test, namespace: default}"}\nspec:\n${c.yaml}`;
      const got = semantics(text);
      assert.deepEqual(got.errors, c.errors ?? [], "errors");
      if (c.warnings) assert.deepEqual(got.warnings, c.warnings, "warnings");
    });
  }
}
