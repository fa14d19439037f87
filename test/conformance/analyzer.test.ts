// Istio's analyzer conformance table: every case of expected.yaml runs in-process through the
// entry `mast analyze` uses; a few also run through the real CLI to prove that path.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runMast } from "../helpers/run.ts";
import { CASES_DIR, loadCases, multisetDiff, runCase } from "./analyzer-cases.ts";

const cases = loadCases();
let passed = 0;

describe("analyzer conformance (expected.yaml)", () => {
  after(() => {
    process.stdout.write(`conformance analyzer: ${passed}/${cases.length}\n`);
  });
  for (const c of cases) {
    it(`#${c.id} ${c.analyzer}: ${c.name}`, () => {
      const r = runCase(c);
      if (r.pass) passed++;
      assert.ok(r.pass, `missing: ${r.missing.join(" | ")}\nextra: ${r.extra.join(" | ")}`);
    });
  }
});

describe("analyzer conformance through the CLI", () => {
  const viaCli = cases.filter((c) => [38, 40, 47, 51, 69, 89].includes(c.id));
  for (const c of viaCli) {
    it(`mast analyze -o json --analyzer ${c.analyzer} (#${c.id})`, () => {
      const files = (c.inputFiles ?? []).map((f) => join(CASES_DIR, f));
      const mesh = [
        ...(c.meshConfigFile ? ["--mesh-config", join(CASES_DIR, c.meshConfigFile)] : []),
        ...(c.meshNetworksFile ? ["--mesh-networks", join(CASES_DIR, c.meshNetworksFile)] : []),
      ];
      const r = runMast(["analyze", "-o", "json", "--analyzer", c.analyzer, ...mesh, ...files]);
      const out = JSON.parse(r.stdout) as { code: string; origin: string; level: string }[];
      const expectFail = out.some((m) => m.level === "Error");
      assert.equal(r.code, expectFail ? 79 : 0, r.stderr);
      const diff = multisetDiff(
        c.expected.map((e) => `${e.code} ${e.origin}`),
        out.map((m) => `${m.code} ${m.origin}`),
      );
      assert.ok(
        diff.pass,
        `missing: ${diff.missing.join(" | ")}\nextra: ${diff.extra.join(" | ")}`,
      );
    });
  }
});
