// deprecation.DeprecationAnalyzer: deprecated fields still in use, and CRDs of removed kinds.

import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { num, obj, objs, str } from "../../util/fields.ts";

/** Istio CRDs removed from the CRD bundle (the old RBAC API). */
const REMOVED_CRDS = ["ClusterRbacConfig", "RbacConfig", "ServiceRole", "ServiceRoleBinding"].map(
  (kind) => ({
    group: "rbac.istio.io",
    kind,
  }),
);

export const deprecationAnalyzer: Analyzer = {
  name: "deprecation.DeprecationAnalyzer",
  description: "Checks for deprecated Istio types and fields",
  inputs: [K.VirtualService, K.Sidecar, K.CRD],
  analyze(ctx) {
    for (const r of ctx.snapshot.list(K.VirtualService)) {
      for (const http of objs(r.spec.http)) {
        const percent = num(obj(obj(http.fault).delay).percent) ?? 0;
        if (percent > 0) {
          ctx.report(
            r,
            "Deprecated",
            "HTTPRoute.fault.delay.percent is deprecated; use HTTPRoute.fault.delay.percentage",
          );
        }
      }
    }
    for (const r of ctx.snapshot.list(K.Sidecar)) {
      const egressProxy = obj(r.spec.outboundTrafficPolicy).egressProxy;
      if (egressProxy !== undefined && egressProxy !== null) {
        ctx.report(r, "Deprecated", "OutboundTrafficPolicy.EgressProxy ignored");
      }
    }
    for (const r of ctx.snapshot.list(K.CRD)) {
      const group = str(r.spec.group);
      const kind = str(obj(r.spec.names).kind);
      for (const removed of REMOVED_CRDS) {
        if (group === removed.group && kind === removed.kind) {
          ctx.report(r, "Deprecated", `Custom resource type ${group} ${kind} is removed`);
        }
      }
    }
  },
};
