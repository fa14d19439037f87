// Istio's own documents must pass Istio's semantic checks: every sample and pilot test config
// (warnings allowed), and every document the CRD-validation table calls valid.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { Report } from "../../../src/api/diagnostic.ts";
import { parseText } from "../../../src/api/parse.ts";
import { describe } from "../../../src/api/resource.ts";
import { toResource } from "../../../src/api/validate.ts";
import { VALIDATORS, validateSemantics } from "../../../src/api/validation/index.ts";
import { ISTIO_CORPUS } from "../../helpers/paths.ts";

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? walk(p) : /\.ya?ml$/.test(p) ? [p] : [];
    });
}

interface Outcome {
  checked: number;
  errors: string[];
  warnings: number;
}

function checkFile(file: string, out: Outcome, docFilter?: (doc: number) => boolean): void {
  for (const obj of parseText(readFileSync(file), file).objects) {
    if (docFilter && !docFilter(obj.origin.doc)) continue;
    const body = { ...obj.body };
    delete body._err;
    const converted = toResource({ ...obj, body });
    if (!converted.ok || !VALIDATORS.has(converted.resource.kind.id)) continue;
    out.checked++;
    const report = new Report(describe(converted.resource));
    validateSemantics(converted.resource, report);
    for (const d of report.items) {
      if (d.level === "error") out.errors.push(`${file} ${d.resource} ${d.path}: ${d.message}`);
      else out.warnings++;
    }
  }
}

test("Istio samples and pilot test configs have no semantic errors", () => {
  const out: Outcome = { checked: 0, errors: [], warnings: 0 };
  for (const dir of ["samples", "validation/pilot-test-configs"]) {
    for (const f of walk(join(ISTIO_CORPUS, dir))) checkFile(f, out);
  }
  console.log(
    `semantic corpus: ${out.checked} documents, ${out.errors.length} errors, ${out.warnings} warnings`,
  );
  assert.ok(out.checked > 200, `expected the corpus to hold Istio documents, found ${out.checked}`);
  assert.deepEqual(out.errors, []);
});

test("documents the CRD-validation table calls valid have no semantic errors", () => {
  const table = parse(readFileSync(join(ISTIO_CORPUS, "validation/expected.yaml"), "utf8")) as {
    cases: { file: string; doc: number; expect: string }[];
  };
  const valid = new Map<string, Set<number>>();
  for (const c of table.cases) {
    if (c.expect !== "valid") continue;
    valid.set(c.file, (valid.get(c.file) ?? new Set()).add(c.doc));
  }
  const out: Outcome = { checked: 0, errors: [], warnings: 0 };
  for (const [file, docs] of valid) {
    checkFile(join(ISTIO_CORPUS, "validation", file), out, (d) => docs.has(d));
  }
  console.log(
    `semantic valid table: ${out.checked} documents, ${out.errors.length} errors, ${out.warnings} warnings`,
  );
  assert.equal(out.checked, 35);
  assert.deepEqual(out.errors, []);
});
