// annotations.K8sAnalyzer: Istio annotations on Kubernetes resources are known, not deprecated,
// placed on a kind they apply to, and hold valid values.

import type { Resource } from "../../../api/resource.ts";
import type { Analyzer, Context } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { SIDECAR_INJECT } from "../../util/mesh-membership.ts";
import { annotationDefs, isIstioAnnotation } from "./registry.ts";
import { annotationProblem } from "./validation.ts";

const DEPRECATION_EXTRA: Record<string, string> = {
  [SIDECAR_INJECT]: ` in favor of the "sidecar.istio.io/inject" label`,
};

export const ANNOTATED_KINDS = [K.Namespace, K.Service, K.Pod, K.Deployment] as const;

export const k8sAnnotationsAnalyzer: Analyzer = {
  name: "annotations.K8sAnalyzer",
  description: "Checks for misplaced and invalid Istio annotations in Kubernetes resources",
  inputs: ANNOTATED_KINDS,
  analyze(ctx) {
    for (const kind of ANNOTATED_KINDS) for (const r of ctx.snapshot.list(kind)) check(ctx, r);
  },
};

function check(ctx: Context, r: Resource): void {
  const defs = annotationDefs();
  for (const [name, value] of Object.entries(r.metadata.annotations ?? {})) {
    if (!isIstioAnnotation(name)) continue;
    const def = defs.get(name);
    if (!def) {
      ctx.reportAt(r, ["metadata", "annotations", name], "UnknownAnnotation", name);
      continue;
    }
    if (def.deprecated) {
      // Keeping the deprecated annotation beside its replacement label is deliberate; stay quiet.
      const hasLabel = name === SIDECAR_INJECT && SIDECAR_INJECT in (r.metadata.labels ?? {});
      if (!hasLabel)
        ctx.reportAt(
          r,
          ["metadata", "annotations", name],
          "DeprecatedAnnotation",
          name,
          DEPRECATION_EXTRA[name] ?? "",
        );
    }
    if (def.resources.includes("Any")) continue;
    const attachesTo = def.resources.filter((k) => k !== "Unknown");
    if (!attachesTo.includes(r.kind.kind)) {
      ctx.reportAt(
        r,
        ["metadata", "annotations", name],
        "MisplacedAnnotation",
        name,
        attachesTo.join(", "),
      );
      continue;
    }
    const problem = annotationProblem(name, String(value));
    if (problem)
      ctx.reportAt(r, ["metadata", "annotations", name], "InvalidAnnotation", name, problem);
  }
}
