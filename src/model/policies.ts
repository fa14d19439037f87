// Workload-scoped policies (PeerAuthentication, AuthorizationPolicy, RequestAuthentication,
// Telemetry, …): those in the root namespace without a selector, the workload's namespace
// without a selector, and those whose selector matches the workload in its namespace. A policy
// with targetRef(s) applies only to what it names: a Gateway (Kubernetes Gateway API) in its own
// namespace, or a GatewayClass from the root namespace, recognised by the gateway pod's labels;
// Service/ServiceEntry references are for waypoints, which Mast does not run.

import type { Resource } from "../api/resource.ts";
import { selectorMatches } from "../registry/workloads.ts";

export interface ApplicablePolicies {
  readonly root: readonly Resource[];
  readonly namespace: readonly Resource[];
  readonly workload: readonly Resource[];
}

const GATEWAY_NAME = "gateway.networking.k8s.io/gateway-name";
const GATEWAY_CLASS = "gateway.networking.k8s.io/gateway-class-name";

interface TargetRef {
  kind?: string;
  name?: string;
}

function targetRefsOf(r: Resource): TargetRef[] | undefined {
  const spec = r.spec as { targetRef?: TargetRef; targetRefs?: TargetRef[] };
  const refs = [...(spec.targetRef ? [spec.targetRef] : []), ...(spec.targetRefs ?? [])];
  return refs.length > 0 ? refs : undefined;
}

function targets(
  refs: readonly TargetRef[],
  pns: string,
  namespace: string,
  labels: Readonly<Record<string, string>>,
  rootNamespace: string,
): boolean {
  return refs.some(
    (ref) =>
      (ref.kind === "Gateway" && pns === namespace && labels[GATEWAY_NAME] === ref.name) ||
      (ref.kind === "GatewayClass" && pns === rootNamespace && labels[GATEWAY_CLASS] === ref.name),
  );
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
    const refs = targetRefsOf(p);
    if (refs) {
      if (targets(refs, pns, namespace, labels, rootNamespace)) workload.push(p);
      continue;
    }
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
