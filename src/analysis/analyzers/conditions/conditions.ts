// conditions.ConditionAnalyzer: surfaces negative status conditions Istio wrote on resources
// (waypoint binding, ztunnel/waypoint acceptance, Gateway API programming and route acceptance).

import type { Resource } from "../../../api/resource.ts";
import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { type Obj, obj, objs, str } from "../../util/fields.ts";

const ROUTES = [
  K.HTTPRoute,
  K.GRPCRoute,
  "TCPRoute.gateway.networking.k8s.io",
  "TLSRoute.gateway.networking.k8s.io",
];

export const conditionAnalyzer: Analyzer = {
  name: "conditions.ConditionAnalyzer",
  description: "Checks for negative status conditions on resources",
  inputs: [K.Service, K.ServiceEntry, K.AuthorizationPolicy, K.K8sGateway, ...ROUTES],
  analyze(ctx) {
    const report = (r: Resource, conditions: readonly Obj[]) => {
      for (const c of conditions) {
        if (!negative(c)) continue;
        ctx.report(r, "NegativeConditionStatus", str(c.type), str(c.reason), str(c.message));
      }
    };
    for (const kind of [K.Service, K.ServiceEntry, K.AuthorizationPolicy, K.K8sGateway]) {
      for (const r of ctx.snapshot.list(kind)) report(r, objs(obj(r.status).conditions));
    }
    for (const kind of ROUTES) {
      for (const r of ctx.snapshot.list(kind)) {
        for (const parent of objs(obj(r.status).parents)) report(r, objs(parent.conditions));
      }
    }
  },
};

/**
 * A condition is negative when False, or when it reports a partial failure. Conditions other
 * controllers own (a domain-qualified type outside istio.io, e.g. Argo CD's) are not Istio's to
 * judge.
 */
function negative(c: Obj): boolean {
  const type = str(c.type);
  const slash = type.indexOf("/");
  if (slash >= 0 && !type.slice(0, slash).endsWith("istio.io")) return false;
  return str(c.status) === "False" || str(c.reason) === "PartiallyInvalid";
}
