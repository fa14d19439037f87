// Golden tests of the generators: each test/testdata/xds/<case>.yaml names Istio sample inputs
// (from the shared corpus) and proxies; the generated xDS must equal the JSON files in
// test/testdata/xds/<case>/ (one per proxy × type, see golden-files.ts) and every resource must
// encode as its Envoy proto. UPDATE_GOLDEN=1 rewrites the goldens.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { messageNameOf, normalizeMessage, TYPE_URL } from "../../src/envoy/index.ts";
import { type NodeInfo, proxyFromNode } from "../../src/model/proxy.ts";
import { PushContext } from "../../src/model/push-context.ts";
import { generate } from "../../src/xds/generators/index.ts";
import { ISTIO_CORPUS } from "../helpers/paths.ts";
import {
  podsFromDeployments,
  resourcesFromFiles,
  resourcesFromText,
  storeOf,
} from "../registry/fixtures.ts";
import {
  type CaseOutput,
  GOLDEN_DIR,
  goldenText,
  readGoldenTexts,
  writeGoldens,
} from "./golden-files.ts";

const TYPES = {
  lds: TYPE_URL.LISTENER,
  rds: TYPE_URL.ROUTE_CONFIGURATION,
  cds: TYPE_URL.CLUSTER,
  eds: TYPE_URL.CLUSTER_LOAD_ASSIGNMENT,
} as const;

interface Case {
  inputs?: string[];
  pods?: boolean;
  config?: string;
  proxies: { name: string; node: NodeInfo; types?: (keyof typeof TYPES)[] }[];
}

export function runCase(c: Case): CaseOutput {
  const base = resourcesFromFiles((c.inputs ?? []).map((f) => `${ISTIO_CORPUS}${f}`));
  const extra = c.config ? resourcesFromText(c.config, "case.yaml") : [];
  const pods = c.pods
    ? resourcesFromText(podsFromDeployments([...base, ...extra]), "pods.yaml")
    : [];
  const push = PushContext.build(storeOf([...base, ...extra, ...pods]));
  const out: CaseOutput = {};
  for (const p of c.proxies) {
    const proxy = proxyFromNode(p.node, push.registry);
    const byType: Record<string, unknown[]> = {};
    for (const t of p.types ?? (["lds", "rds", "cds", "eds"] as const)) {
      const resources = [...generate(proxy, push, TYPES[t]).values()];
      for (const r of resources) {
        // Must fit Envoy's proto exactly (unknown fields and bad types throw).
        normalizeMessage(messageNameOf(TYPES[t]), r, `${p.name}.${t}`);
      }
      byType[t] = resources;
    }
    out[p.name] = byType;
  }
  return out;
}

describe("xDS generators: golden files", () => {
  const cases = readdirSync(GOLDEN_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort();
  for (const file of cases) {
    const name = file.replace(/\.yaml$/, "");
    it(name, () => {
      const c = parse(readFileSync(GOLDEN_DIR + file, "utf8")) as Case;
      const got = runCase(c);
      // Deterministic: a second run gives the same bytes.
      assert.equal(JSON.stringify(runCase(c)), JSON.stringify(got));
      if (process.env.UPDATE_GOLDEN === "1") writeGoldens(name, got);
      const want = readGoldenTexts(name);
      const files = Object.entries(got).flatMap(([proxy, byType]) =>
        Object.keys(byType).map((t) => `${proxy}.${t}.json`),
      );
      assert.deepEqual([...want.keys()].sort(), files.sort(), `${name}: golden files`);
      for (const [proxy, byType] of Object.entries(got)) {
        for (const [t, resources] of Object.entries(byType)) {
          const f = `${proxy}.${t}.json`;
          assert.equal(goldenText(resources), want.get(f), `${name}/${f}`);
        }
      }
    });
  }
});
