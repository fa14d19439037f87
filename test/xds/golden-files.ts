// Golden xDS files: test/testdata/xds/<case>/<proxy>.<type>.json, one file per sample × proxy ×
// xDS type, keys sorted and 2-space indented so that reviews and rebases see only real changes.

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { ROOT } from "../helpers/paths.ts";

export const GOLDEN_DIR = `${ROOT}test/testdata/xds/`;

/** Generated resources of one case: proxy name → xDS type (lds, rds, cds, eds) → resources. */
export type CaseOutput = Record<string, Record<string, unknown[]>>;

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, sortKeys(o[k])]),
  );
}

/** The golden text of one resource list: what is written and what a fresh run must equal. */
export function goldenText(resources: unknown[]): string {
  return `${JSON.stringify(sortKeys(resources), null, 2)}\n`;
}

/** Replaces a case's golden directory with the given output (stale files go too). */
export function writeGoldens(caseName: string, out: CaseOutput): void {
  const dir = `${GOLDEN_DIR}${caseName}/`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [proxy, byType] of Object.entries(out)) {
    for (const [type, resources] of Object.entries(byType)) {
      writeFileSync(`${dir}${proxy}.${type}.json`, goldenText(resources));
    }
  }
}

/** A case's golden files as raw text, keyed by file name (`<proxy>.<type>.json`). */
export function readGoldenTexts(caseName: string): Map<string, string> {
  const dir = `${GOLDEN_DIR}${caseName}/`;
  const texts = new Map<string, string>();
  if (!existsSync(dir)) return texts;
  for (const f of readdirSync(dir).sort()) texts.set(f, readFileSync(dir + f, "utf8"));
  return texts;
}

/** Every case that has golden files. */
export function goldenCases(): string[] {
  return readdirSync(GOLDEN_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}
