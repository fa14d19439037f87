// sidecar.SelectorAnalyzer: a Sidecar's workload selector matches a pod in its namespace, no pod
// is selected by two Sidecars, at most one selector-less Sidecar per namespace, and Sidecars
// for ambient workloads or namespaces are flagged as having no effect.

import type { Resource } from "../../../api/resource.ts";
import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { labels, obj } from "../../util/fields.ts";
import { namespaceInAmbientMode, podInAmbientMode } from "../../util/mesh-membership.ts";
import { selectorMatches, selectorString } from "../../util/selectors.ts";

export const sidecarSelectorAnalyzer: Analyzer = {
  name: "sidecar.SelectorAnalyzer",
  description:
    "Validates that sidecars that define a workload selector match at least one pod, and that there aren't multiple sidecar resources that select overlapping pods",
  inputs: [K.Sidecar, K.Pod, K.Namespace],
  analyze(ctx) {
    const podsToSidecars = new Map<Resource, Resource[]>();
    const nsToSidecars = new Map<string, Resource[]>();
    for (const s of ctx.snapshot.list(K.Sidecar)) {
      const ns = s.metadata.namespace ?? "";
      const sel = labels(obj(s.spec.workloadSelector).labels);
      if (Object.keys(sel).length === 0) {
        nsToSidecars.set(ns, [...(nsToSidecars.get(ns) ?? []), s]);
        continue;
      }
      let found = false;
      for (const p of ctx.snapshot.list(K.Pod)) {
        if ((p.metadata.namespace ?? "") !== ns || !selectorMatches(sel, p.metadata.labels))
          continue;
        found = true;
        podsToSidecars.set(p, [...(podsToSidecars.get(p) ?? []), s]);
      }
      if (!found)
        ctx.reportAt(
          s,
          ["spec", "workloadSelector", "labels", Object.keys(sel).sort()[0] ?? ""],
          "ReferencedResourceNotFound",
          "selector",
          selectorString(sel),
        );
    }
    const reported = new Set<Resource>();
    for (const [pod, list] of podsToSidecars) {
      const ambient = podInAmbientMode(pod);
      if (list.length === 1 && !ambient) continue;
      const names = list.map((s) => s.metadata.name);
      for (const s of list) {
        if (ambient) {
          if (!reported.has(s)) {
            ctx.report(
              s,
              "IneffectivePolicy",
              "selected workload is in ambient mode, the policy has no impact",
            );
            reported.add(s);
          }
          continue;
        }
        ctx.report(
          s,
          "ConflictingSidecarWorkloadSelectors",
          names,
          pod.metadata.namespace ?? "",
          pod.metadata.name,
        );
      }
    }
    for (const [ns, list] of nsToSidecars) {
      if (namespaceInAmbientMode(ctx.snapshot.get(K.Namespace, undefined, ns))) {
        for (const s of list) {
          if (reported.has(s)) continue;
          ctx.report(
            s,
            "IneffectivePolicy",
            "namespace is in ambient mode, the policy has no impact",
          );
          reported.add(s);
        }
        continue;
      }
      if (list.length < 2) continue;
      const names = list.map((s) => s.metadata.name);
      for (const s of list) ctx.report(s, "MultipleSidecarsWithoutWorkloadSelectors", names, ns);
    }
  },
};
