// Golden tests of the generators: each test/testdata/xds/<case>.yaml names Istio sample inputs
// (from the shared corpus) and proxies; the generated xDS must equal <case>.golden.yaml and every
// resource must encode as its Envoy proto. UPDATE_GOLDEN=1 rewrites the goldens.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { messageNameOf, normalizeMessage, TYPE_URL } from "../../src/envoy/index.ts";
import { type NodeInfo, proxyFromNode } from "../../src/model/proxy.ts";
import { PushContext } from "../../src/model/push-context.ts";
import { generate } from "../../src/xds/generators/index.ts";
import { ISTIO_CORPUS, ROOT } from "../helpers/paths.ts";
import {
  podsFromDeployments,
  resourcesFromFiles,
  resourcesFromText,
  storeOf,
} from "../registry/fixtures.ts";

const DIR = `${ROOT}test/testdata/xds/`;
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

export function runCase(c: Case): Record<string, Record<string, unknown[]>> {
  const base = resourcesFromFiles((c.inputs ?? []).map((f) => `${ISTIO_CORPUS}${f}`));
  const extra = c.config ? resourcesFromText(c.config, "case.yaml") : [];
  const pods = c.pods
    ? resourcesFromText(podsFromDeployments([...base, ...extra]), "pods.yaml")
    : [];
  const push = PushContext.build(storeOf([...base, ...extra, ...pods]));
  const out: Record<string, Record<string, unknown[]>> = {};
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
  const cases = readdirSync(DIR)
    .filter((f) => f.endsWith(".yaml") && !f.endsWith(".golden.yaml"))
    .sort();
  for (const file of cases) {
    it(file.replace(/\.yaml$/, ""), () => {
      const c = parse(readFileSync(DIR + file, "utf8")) as Case;
      const got = runCase(c);
      // Deterministic: a second run gives the same bytes.
      assert.equal(JSON.stringify(runCase(c)), JSON.stringify(got));
      const goldenPath = DIR + file.replace(/\.yaml$/, ".golden.yaml");
      if (process.env.UPDATE_GOLDEN === "1")
        writeFileSync(goldenPath, stringify(got, { lineWidth: 0, aliasDuplicateObjects: false }));
      const want = parse(readFileSync(goldenPath, "utf8"));
      assert.deepEqual(got, want);
    });
  }
});
