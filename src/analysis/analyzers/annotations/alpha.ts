// annotations.AlphaAnalyzer (outside the default set): flags alpha-phase Istio annotations,
// except those Istio itself writes (injection status, revision, defaults of istio-init).

import type { Resource } from "../../../api/resource.ts";
import type { Analyzer, Context } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { objs, str } from "../../util/fields.ts";
import { ANNOTATED_KINDS } from "./k8s.ts";
import { annotationDefs, isIstioAnnotation } from "./registry.ts";

/** Written by istiod or the injector, not by users. */
const SET_BY_ISTIO = new Set(["sidecar.istio.io/status", "istio.io/rev"]);

/** Set by injection when istio-init (not CNI) configures traffic capture. */
const INIT_DEFAULTS = new Set([
  "sidecar.istio.io/interceptionMode",
  "traffic.sidecar.istio.io/includeInboundPorts",
  "traffic.sidecar.istio.io/excludeInboundPorts",
  "traffic.sidecar.istio.io/includeOutboundIPRanges",
]);

export const alphaAnnotationsAnalyzer: Analyzer = {
  name: "annotations.AlphaAnalyzer",
  description: "Checks for alpha Istio annotations in Kubernetes resources",
  inputs: ANNOTATED_KINDS,
  defaultSet: false,
  analyze(ctx) {
    for (const kind of ANNOTATED_KINDS) for (const r of ctx.snapshot.list(kind)) check(ctx, r);
  },
};

function check(ctx: Context, r: Resource): void {
  const defs = annotationDefs();
  const skipDefaults =
    r.kind.id === K.Pod && !objs(r.spec.initContainers).some((c) => str(c.name) === "istio-init");
  for (const name of Object.keys(r.metadata.annotations ?? {})) {
    if (!isIstioAnnotation(name)) continue;
    const def = defs.get(name);
    if (def?.featureStatus !== "Alpha" || def.hidden) continue;
    if (SET_BY_ISTIO.has(name) || (skipDefaults && INIT_DEFAULTS.has(name))) continue;
    ctx.reportAt(r, ["metadata", "annotations", name], "AlphaAnnotation", name);
  }
}
