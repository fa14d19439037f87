// Workload-scoped policies (PeerAuthentication, AuthorizationPolicy, RequestAuthentication,
// Telemetry, …): those in the root namespace without a selector, the workload's namespace
// without a selector, and those whose selector matches the workload in its namespace.

import type { Resource } from "../api/resource.ts";
import { selectorMatches } from "../registry/workloads.ts";

export interface ApplicablePolicies {
  readonly root: readonly Resource[];
  readonly namespace: readonly Resource[];
  readonly workload: readonly Resource[];
}

function selectorOf(r: Resource): Record<string, string> | undefined {
  const spec = r.spec as {
    selector?: { matchLabels?: Record<string, string> };
    workloadSelector?: { labels?: Record<string, string>; matchLabels?: Record<string, string> };
  };
  const sel =
    spec.selector?.matchLabels ??
    spec.workloadSelector?.labels ??
    spec.workloadSelector?.matchLabels;
  return sel && Object.keys(sel).length > 0 ? sel : undefined;
}

export function applicablePolicies(
  policies: readonly Resource[],
  namespace: string,
  labels: Readonly<Record<string, string>>,
  rootNamespace: string,
): ApplicablePolicies {
  const root: Resource[] = [];
  const ns: Resource[] = [];
  const workload: Resource[] = [];
  for (const p of policies) {
    const pns = p.metadata.namespace ?? "default";
    const sel = selectorOf(p);
    if (pns === namespace) {
      if (!sel) ns.push(p);
      else if (selectorMatches(sel, labels)) workload.push(p);
    } else if (pns === rootNamespace) {
      if (!sel) root.push(p);
      else if (selectorMatches(sel, labels)) workload.push(p);
    }
  }
  return { root, namespace: ns, workload };
}
