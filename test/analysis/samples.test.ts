// "No false alarms": Istio's own consistent samples analyze clean with the default analyzers.

import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { analyzeFiles } from "../../src/analysis/files.ts";
import { istioCorpusDir } from "../../src/analysis/messages.ts";

const SAMPLES = join(istioCorpusDir(), "samples");
const BOOKINFO = join(SAMPLES, "bookinfo");
const REFERENCE_CODES = new Set([
  "IST0101",
  "IST0112",
  "IST0132",
  "IST0140",
  "IST0162",
  "IST0173",
  "IST0174",
]);

function messages(files: string[]): string[] {
  const r = analyzeFiles(files);
  assert.deepEqual(r.problems, []);
  return r.messages.map((m) => `${m.code} ${m.origin} ${m.message}`);
}

describe("no false alarms on Istio's samples", () => {
  const virtualServices = readdirSync(join(BOOKINFO, "networking")).filter((f) =>
    f.startsWith("virtual-service-"),
  );
  for (const vs of virtualServices) {
    it(`Bookinfo platform + destination-rule-all + ${vs}`, () => {
      const files = [
        join(BOOKINFO, "platform/kube"),
        join(BOOKINFO, "networking/destination-rule-all.yaml"),
        join(BOOKINFO, "networking", vs),
      ];
      assert.deepEqual(messages(files), []);
    });
  }

  it("bookinfo.yaml alone reports only the subsets whose workloads live in other files", () => {
    const files = [
      join(BOOKINFO, "platform/kube/bookinfo.yaml"),
      join(BOOKINFO, "networking/destination-rule-all.yaml"),
      join(BOOKINFO, "networking/virtual-service-all-v1.yaml"),
    ];
    const found = messages(files).filter((m) => REFERENCE_CODES.has(m.slice(0, 7)));
    assert.deepEqual(found.map((m) => m.split(" The ")[0]).sort(), [
      "IST0173 DestinationRule ratings",
      "IST0173 DestinationRule ratings",
    ]);
  });

  for (const sample of ["httpbin", "helloworld", "tcp-echo"]) {
    it(`${sample} with its networking files`, () => {
      assert.deepEqual(messages([join(SAMPLES, sample)]), []);
    });
  }
});
