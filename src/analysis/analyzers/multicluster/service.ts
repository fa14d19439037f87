// services.MultiClusterServiceAnalyzer: a Service defined in several clusters must agree on
// type, headless-ness and ports, or endpoints merged across clusters behave unpredictably.

import type { Resource } from "../../../api/resource.ts";
import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { getOrInit, objs, str } from "../../util/fields.ts";

export const multiClusterServiceAnalyzer: Analyzer = {
  name: "services.MultiClusterServiceAnalyzer",
  description: "Check the validity of services in the multi-cluster environment",
  inputs: [K.Service],
  defaultSet: false,
  analyze(ctx) {
    const byName = new Map<string, Map<string, Resource>>();
    for (const r of ctx.snapshot.list(K.Service)) {
      const cluster = ctx.snapshot.clusterOf(r);
      if (!cluster) continue;
      const key = `${r.metadata.namespace ?? ""}/${r.metadata.name}`;
      getOrInit(byName, key, () => new Map()).set(cluster, r);
    }
    for (const services of byName.values()) {
      if (services.size < 2) continue;
      const { clusters, reasons } = inconsistencies(services);
      if (clusters.length === 0) continue;
      const first = [...services.values()][0]!;
      ctx.report(
        first,
        "MultiClusterInconsistentService",
        first.metadata.name,
        first.metadata.namespace ?? "",
        clusters,
        reasons,
      );
    }
  },
};

function inconsistencies(services: Map<string, Resource>): { clusters: string[]; reasons: string } {
  const entries = [...services.entries()];
  const [firstCluster, first] = entries[0]!;
  const clusters = new Set<string>();
  const reasons = new Set<string>();
  const headless = (r: Resource) => str(r.spec.clusterIP) === "None";
  let addedHeadless = false;
  for (const [id, svc] of entries) {
    if (!addedHeadless && headless(first) !== headless(svc)) {
      addedHeadless = true;
      for (const c of services.keys()) clusters.add(c);
      reasons.add("service has mixed mode like headless and clusterIP");
    }
    if (str(first.spec.type) !== str(svc.spec.type)) {
      clusters.add(id);
      reasons.add("service type is inconsistent");
    }
    if (portsKey(first) !== portsKey(svc)) {
      clusters.add(id);
      reasons.add("service ports are inconsistent");
    }
  }
  if (clusters.size > 0) clusters.add(firstCluster);
  return { clusters: [...clusters].sort(), reasons: [...reasons].sort().join("; ") };
}

/** Ports compared as a whole: sorted by name, every field significant. */
function portsKey(r: Resource): string {
  const ports = objs(r.spec.ports).map((p) =>
    JSON.stringify(
      Object.fromEntries(Object.entries(p).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    ),
  );
  const named = objs(r.spec.ports).map((p, i) => [str(p.name), ports[i]!] as const);
  named.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(named.map(([, k]) => k));
}
