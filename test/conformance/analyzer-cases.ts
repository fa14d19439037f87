// Reads the analyzer conformance table (expected.yaml) and runs one case through the same
// entry `mast analyze` uses, comparing (code, origin) multisets as upstream does.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { analyzeFiles } from "../../src/analysis/files.ts";
import { istioCorpusDir } from "../../src/analysis/messages.ts";
import { findAnalyzer } from "../../src/analysis/registry.ts";

export const CASES_DIR = join(istioCorpusDir(), "analyzer-testdata");

export interface AnalyzerCase {
  readonly id: number;
  readonly name: string;
  readonly analyzer: string;
  readonly inputFiles?: readonly string[];
  /** Multi-cluster cases: two clusters' inputs instead of inputFiles. */
  readonly cluster1InputFiles?: readonly string[];
  readonly cluster2InputFiles?: readonly string[];
  readonly meshConfigFile?: string;
  readonly meshNetworksFile?: string;
  readonly expected: readonly { code: string; origin: string }[];
}

export function loadCases(): AnalyzerCase[] {
  const doc = parse(readFileSync(join(CASES_DIR, "expected.yaml"), "utf8")) as {
    cases: AnalyzerCase[];
  };
  return doc.cases;
}

export interface CaseResult {
  readonly pass: boolean;
  readonly missing: string[];
  readonly extra: string[];
}

export function multisetDiff(expected: readonly string[], actual: readonly string[]): CaseResult {
  const left = [...actual];
  const missing: string[] = [];
  for (const e of expected) {
    const i = left.indexOf(e);
    if (i < 0) missing.push(e);
    else left.splice(i, 1);
  }
  return { pass: missing.length === 0 && left.length === 0, missing, extra: left };
}

export function runCase(c: AnalyzerCase): CaseResult {
  const analyzer = findAnalyzer(c.analyzer);
  if (!analyzer)
    return { pass: false, missing: [`analyzer ${c.analyzer} not implemented`], extra: [] };
  const at = (f: string) => join(CASES_DIR, f);
  const inputs = (c.inputFiles ?? c.cluster1InputFiles ?? []).map(at);
  const cluster2 = c.cluster2InputFiles?.map(at);
  const result = analyzeFiles(inputs, {
    clusters: cluster2 ? [{ id: "cluster2", inputs: cluster2 }] : undefined,
    analyzers: [analyzer],
    meshConfigFile: c.meshConfigFile && at(c.meshConfigFile),
    meshNetworksFile: c.meshNetworksFile && at(c.meshNetworksFile),
  });
  return multisetDiff(
    c.expected.map((e) => `${e.code} ${e.origin}`),
    result.messages.map((m) => `${m.code} ${m.origin}`),
  );
}
