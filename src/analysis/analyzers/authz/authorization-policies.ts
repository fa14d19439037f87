// auth.AuthorizationPoliciesAnalyzer: a policy selects some in-mesh workload (sidecar or
// ambient) in its scope, and the namespaces its rules name exist.

import type { Resource } from "../../../api/resource.ts";
import type { Analyzer, Context } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { getOrInit, obj, objs, strs } from "../../util/fields.ts";
import { podInAmbientMode, podInMesh } from "../../util/mesh-membership.ts";
import { type Labels, matchLabels, selectorMatches, selectorString } from "../../util/selectors.ts";

export const authorizationPoliciesAnalyzer: Analyzer = {
  name: "auth.AuthorizationPoliciesAnalyzer",
  description: "Checks the validity of authorization policies",
  inputs: [K.MeshConfig, K.AuthorizationPolicy, K.Namespace, K.Pod],
  analyze(ctx) {
    const podLabels = new Map<string, Labels[]>();
    for (const p of ctx.snapshot.list(K.Pod)) {
      const list = getOrInit(podLabels, p.metadata.namespace ?? "", () => []);
      if (podInMesh(p, ctx.snapshot) || podInAmbientMode(p)) list.push(p.metadata.labels ?? {});
    }
    for (const r of ctx.snapshot.list(K.AuthorizationPolicy)) {
      checkWorkloads(ctx, r, podLabels);
      checkNamespaces(ctx, r);
    }
  },
};

function checkWorkloads(ctx: Context, r: Resource, podLabels: Map<string, Labels[]>): void {
  // Policies attached by targetRef apply to gateways and services, not selected pods.
  if (r.spec.targetRef != null || r.spec.targetRefs != null) return;
  const ns = r.metadata.namespace ?? "";
  const hasSelector = r.spec.selector !== undefined && r.spec.selector !== null;
  const sel = matchLabels(r.spec.selector);
  const matchesIn = (list: readonly Labels[] | undefined) =>
    (list ?? []).some((l) => selectorMatches(sel, l));
  if (ns === ctx.snapshot.mesh.rootNamespace) {
    // Mesh-wide: only a selector can fail to match, and anywhere in the mesh will do.
    if (hasSelector && ![...podLabels.values()].some(matchesIn)) {
      ctx.report(r, "NoMatchingWorkloadsFound", selectorString(sel));
    }
    return;
  }
  if (!hasSelector) {
    if ((podLabels.get(ns) ?? []).length === 0) ctx.report(r, "NoMatchingWorkloadsFound", "");
    return;
  }
  if (!matchesIn(podLabels.get(ns))) ctx.report(r, "NoMatchingWorkloadsFound", selectorString(sel));
}

function checkNamespaces(ctx: Context, r: Resource): void {
  const namespaces = ctx.snapshot.list(K.Namespace).map((n) => n.metadata.name);
  for (const [i, rule] of objs(r.spec.rules).entries()) {
    for (const [j, from] of objs(rule.from).entries()) {
      const source = obj(from.source);
      for (const field of ["namespaces", "notNamespaces"]) {
        for (const [k, ns] of strs(source[field]).entries()) {
          if (namespaces.some((n) => namespaceMatch(n, ns))) continue;
          const at = ["spec", "rules", i, "from", j, "source", field, k];
          ctx.reportAt(r, at, "ReferencedResourceNotFound", "namespace", ns);
        }
      }
    }
  }
}

function namespaceMatch(ns: string, exp: string): boolean {
  if (exp === "*") return true;
  if (exp.startsWith("*")) return ns.endsWith(exp.slice(1));
  if (exp.endsWith("*")) return ns.startsWith(exp.slice(0, -1));
  return ns.toLowerCase() === exp.toLowerCase();
}
