// meshnetworks.MeshNetworksAnalyzer: every `fromRegistry` in MeshNetworks names a registry
// Istio knows: a built-in provider or a remote cluster from a multicluster secret.

import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { obj, objs, str } from "../../util/fields.ts";

const BUILT_IN_REGISTRIES = ["Mock", "Kubernetes", "External"];
const MULTICLUSTER_SECRET_LABEL = "istio/multiCluster";

export const meshNetworksAnalyzer: Analyzer = {
  name: "meshnetworks.MeshNetworksAnalyzer",
  description: "Check the validity of MeshNetworks in the cluster",
  inputs: [K.MeshNetworks, K.Secret],
  analyze(ctx) {
    const registries = new Set(BUILT_IN_REGISTRIES);
    for (const s of ctx.snapshot.list(K.Secret)) {
      if (s.metadata.labels?.[MULTICLUSTER_SECRET_LABEL] !== "true") continue;
      for (const cluster of Object.keys(obj(s.spec.data))) registries.add(cluster);
    }
    for (const r of ctx.snapshot.list(K.MeshNetworks)) {
      for (const [network, spec] of Object.entries(obj(r.spec.networks))) {
        for (const e of objs(obj(spec).endpoints)) {
          if (e.fromRegistry === undefined) continue;
          const registry = str(e.fromRegistry);
          if (!registries.has(registry))
            ctx.report(r, "UnknownMeshNetworksServiceRegistry", registry, network);
        }
      }
    }
  },
};
