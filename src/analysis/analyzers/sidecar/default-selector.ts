// sidecar.DefaultSelectorAnalyzer (outside the default set): the older, separate check for
// several selector-less Sidecars in one namespace; sidecar.SelectorAnalyzer now covers it.

import type { Resource } from "../../../api/resource.ts";
import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { getOrInit } from "../../util/fields.ts";

export const sidecarDefaultSelectorAnalyzer: Analyzer = {
  name: "sidecar.DefaultSelectorAnalyzer",
  description: "Validates that there aren't multiple sidecar resources that have no selector",
  inputs: [K.Sidecar],
  defaultSet: false,
  analyze(ctx) {
    const byNs = new Map<string, Resource[]>();
    for (const s of ctx.snapshot.list(K.Sidecar)) {
      if (s.spec.workloadSelector != null) continue;
      getOrInit(byNs, s.metadata.namespace ?? "", () => []).push(s);
    }
    for (const [ns, list] of byNs) {
      if (list.length < 2) continue;
      const names = list.map((s) => s.metadata.name);
      for (const s of list) ctx.report(s, "MultipleSidecarsWithoutWorkloadSelectors", names, ns);
    }
  },
};
