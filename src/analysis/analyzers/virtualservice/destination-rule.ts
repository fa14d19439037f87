// virtualservice.DestinationRuleAnalyzer: every subset a VirtualService routes or mirrors to is
// defined by a DestinationRule for that host.

import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { objs, str } from "../../util/fields.ts";
import { isShortName, resourceNameFromHost, toFqdn } from "../../util/hosts.ts";
import { hostPath, mirrorDestinations, routeDestinations } from "./destinations.ts";

export const destinationRuleAnalyzer: Analyzer = {
  name: "virtualservice.DestinationRuleAnalyzer",
  description: "Checks the destination rules associated with each virtual service",
  inputs: [K.VirtualService, K.DestinationRule],
  analyze(ctx) {
    const known = new Set<string>();
    for (const dr of ctx.snapshot.list(K.DestinationRule)) {
      const ns = dr.metadata.namespace ?? "";
      // A short host names a service in the rule's namespace. (Going through the FQDN, as
      // upstream does, loses the name when the namespace is empty, as in namespace-less files.)
      const drHost = str(dr.spec.host);
      const host = isShortName(drHost)
        ? { namespace: ns, name: drHost }
        : resourceNameFromHost(ns, toFqdn(ns, drHost));
      for (const ss of objs(dr.spec.subsets)) known.add(key(host, str(ss.name)));
    }
    for (const r of ctx.snapshot.list(K.VirtualService)) {
      const ns = r.metadata.namespace ?? "";
      for (const [label, dests] of [
        ["host", routeDestinations(r.spec)],
        ["mirror", mirrorDestinations(r.spec)],
      ] as const) {
        for (const d of dests) {
          const subset = str(d.destination.subset);
          if (subset === "") continue;
          const host = str(d.destination.host);
          if (known.has(key(resourceNameFromHost(ns, host), subset))) continue;
          ctx.reportAt(
            r,
            hostPath(d),
            "ReferencedResourceNotFound",
            `${label}+subset in destinationrule`,
            `${host}+${subset}`,
          );
        }
      }
    }
  },
};

function key(n: { namespace: string; name: string }, subset: string): string {
  return `${n.namespace}/${n.name}/${subset}`;
}
