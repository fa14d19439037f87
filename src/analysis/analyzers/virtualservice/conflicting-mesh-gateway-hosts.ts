// virtualservice.ConflictingMeshGatewayHostsAnalyzer: two VirtualServices bound to the mesh
// gateway that define the same host for the same namespaces make routing undefined.

import type { Resource } from "../../../api/resource.ts";
import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { fullName, strs } from "../../util/fields.ts";
import {
  EXPORT_ALL,
  exportScopes,
  hostMatches,
  MESH_GATEWAY,
  scopedFqdn,
  splitScoped,
} from "../../util/hosts.ts";

export const conflictingMeshGatewayHostsAnalyzer: Analyzer = {
  name: "virtualservice.ConflictingMeshGatewayHostsAnalyzer",
  description:
    "Checks if multiple virtual services associated with the mesh gateway have conflicting hosts",
  inputs: [K.VirtualService],
  analyze(ctx) {
    const byHost = new Map<string, Resource[]>();
    for (const r of ctx.snapshot.list(K.VirtualService)) {
      const gateways = strs(r.spec.gateways);
      // No gateways means the mesh gateway.
      if (gateways.length > 0 && !gateways.includes(MESH_GATEWAY)) continue;
      const ns = r.metadata.namespace ?? "";
      for (const scope of exportScopes(ns, strs(r.spec.exportTo))) {
        for (const h of strs(r.spec.hosts)) {
          const key = scopedFqdn(scope, ns, h);
          byHost.set(key, [...(byHost.get(key) ?? []), r]);
        }
      }
    }
    // A namespace-scoped host also conflicts with matching hosts exported to all namespaces.
    // Each VirtualService is reported once, under the first conflict found.
    const reported = new Set<Resource>();
    for (const [scoped, own] of byHost) {
      const [scope, host] = splitScoped(scoped);
      let conflicting = own;
      if (scope !== EXPORT_ALL) {
        for (const [other, rs] of byHost) {
          const [otherScope, otherHost] = splitScoped(other);
          if (otherScope === EXPORT_ALL && hostMatches(host, otherHost))
            conflicting = [...conflicting, ...rs];
        }
      }
      if (conflicting.length < 2) continue;
      const names = conflicting.map((r) => fullName(r)).join(",");
      for (const r of conflicting) {
        if (reported.has(r)) continue;
        reported.add(r);
        ctx.reportAt(
          r,
          ["metadata", "name"],
          "ConflictingMeshGatewayVirtualServiceHosts",
          names,
          scoped,
        );
      }
    }
  },
};
