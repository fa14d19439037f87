// destinationrule.SubsetSelectPodAnalyzer: a DestinationRule's host exists, and each subset
// selects at least one pod (pod labels augmented with its node's topology, as the registry does).

import type { Resource } from "../../../api/resource.ts";
import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { labels, num, obj, objs, str, strs } from "../../util/fields.ts";
import { podTemplate } from "../../util/mesh-membership.ts";
import { type Labels, selectorMatches } from "../../util/selectors.ts";
import { destinationHost, serviceEntryHostMap } from "../../util/service-lookup.ts";

const TOPOLOGY_LABELS = [
  "topology.kubernetes.io/region",
  "topology.kubernetes.io/zone",
  "topology.istio.io/subzone",
];
const HOSTNAME_LABEL = "kubernetes.io/hostname";

export const subsetSelectPodAnalyzer: Analyzer = {
  name: "destinationrule.SubsetSelectPodAnalyzer",
  description: "Checks if pods are selected by subsets in destination rules.",
  inputs: [K.DestinationRule, K.Pod, K.Deployment, K.Service, K.ServiceEntry, K.Node],
  analyze(ctx) {
    const hosts = serviceEntryHostMap(ctx.snapshot);
    const nodes = new Map(
      ctx.snapshot.list(K.Node).map((n) => [n.metadata.name, n.metadata.labels ?? {}]),
    );
    const subsets: { dr: Resource; name: string; selector: Labels; matched: boolean }[] = [];
    for (const dr of ctx.snapshot.list(K.DestinationRule)) {
      const host = str(dr.spec.host);
      const se = destinationHost(dr.metadata.namespace ?? "", strs(dr.spec.exportTo), host, hosts);
      if (!se) {
        ctx.reportAt(dr, ["spec", "host"], "UnknownDestinationRuleHost", host);
        continue;
      }
      const base = labels(obj(se.resource.spec.workloadSelector).labels);
      const isServiceEntry = se.resource.kind.id === K.ServiceEntry;
      for (const ss of objs(dr.spec.subsets)) {
        const selector = { ...(isServiceEntry ? base : {}), ...labels(ss.labels) };
        subsets.push({ dr, name: str(ss.name), selector, matched: false });
      }
    }
    // Pods that exist, and the pods Deployments in the same input will create: offline, a
    // Deployment is the only evidence of its pods (istioctl, reading files, sees no pods).
    const workloads = [
      ...ctx.snapshot.list(K.Pod).map((pod) => withTopology(pod, nodes)),
      ...ctx.snapshot
        .list(K.Deployment)
        .filter((d) => num(d.spec.replicas) !== 0)
        .map((d) => labels(podTemplate(d).metadata.labels)),
    ];
    for (const podLabels of workloads) {
      for (const s of subsets) {
        if (!s.matched && selectorMatches(s.selector, podLabels)) s.matched = true;
      }
    }
    for (const s of subsets)
      if (!s.matched) ctx.report(s.dr, "DestinationRuleSubsetNotSelectPods", s.name);
  },
};

/** Pod labels plus the locality labels of its node; empty node labels are not locality. */
function withTopology(pod: Resource, nodes: Map<string, Labels>): Labels {
  const out: Record<string, string> = { ...(pod.metadata.labels ?? {}) };
  const nodeName = str(pod.spec.nodeName);
  const node = nodes.get(nodeName);
  if (nodeName === "" || !node) return out;
  for (const l of TOPOLOGY_LABELS) if (node[l]) out[l] = node[l];
  out[HOSTNAME_LABEL] = nodeName;
  return out;
}
