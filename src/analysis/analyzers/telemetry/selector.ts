// telemetry.SelectorAnalyzer and telemetry.DefaultSelectorAnalyzer: a Telemetry's selector
// matches a pod in its namespace, no pod is selected by two Telemetries, and a namespace has at
// most one Telemetry without selector or target.

import type { Resource } from "../../../api/resource.ts";
import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { getOrInit, obj } from "../../util/fields.ts";
import { matchLabels, selectorMatches, selectorString } from "../../util/selectors.ts";

export const telemetrySelectorAnalyzer: Analyzer = {
  name: "telemetry.SelectorAnalyzer",
  description:
    "Validates that telemetries that define a selector match at least one pod, and that there aren't multiple telemetry resources that select overlapping pods",
  inputs: [K.Telemetry, K.Pod],
  analyze(ctx) {
    const podsToTelemetries = new Map<Resource, Resource[]>();
    for (const t of ctx.snapshot.list(K.Telemetry)) {
      const sel = matchLabels(t.spec.selector);
      if (Object.keys(sel).length === 0) continue;
      const ns = t.metadata.namespace ?? "";
      let found = false;
      for (const p of ctx.snapshot.list(K.Pod)) {
        if ((p.metadata.namespace ?? "") !== ns || !selectorMatches(sel, p.metadata.labels))
          continue;
        found = true;
        getOrInit(podsToTelemetries, p, () => []).push(t);
      }
      if (!found)
        ctx.reportAt(
          t,
          ["spec", "selector", "matchLabels", Object.keys(sel).sort()[0] ?? ""],
          "ReferencedResourceNotFound",
          "selector",
          selectorString(sel),
        );
    }
    for (const [pod, list] of podsToTelemetries) {
      if (list.length < 2) continue;
      const names = list.map((t) => t.metadata.name);
      for (const t of list) {
        ctx.report(
          t,
          "ConflictingTelemetryWorkloadSelectors",
          names,
          pod.metadata.namespace ?? "",
          pod.metadata.name,
        );
      }
    }
  },
};

export const telemetryDefaultSelectorAnalyzer: Analyzer = {
  name: "telemetry.DefaultSelectorAnalyzer",
  description: "Validates that there aren't multiple telemetry resources that have no selector",
  inputs: [K.Telemetry],
  analyze(ctx) {
    const byNs = new Map<string, Resource[]>();
    for (const t of ctx.snapshot.list(K.Telemetry)) {
      const spec = obj(t.spec);
      if (spec.selector != null || spec.targetRef != null || spec.targetRefs != null) continue;
      getOrInit(byNs, t.metadata.namespace ?? "", () => []).push(t);
    }
    for (const [ns, list] of byNs) {
      if (list.length < 2) continue;
      const names = list.map((t) => t.metadata.name);
      for (const t of list) ctx.report(t, "MultipleTelemetriesWithoutWorkloadSelectors", names, ns);
    }
  },
};
