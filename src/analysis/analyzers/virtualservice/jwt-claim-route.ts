// virtualservice.JWTClaimRouteAnalyzer: routing on JWT claims at a gateway needs a
// RequestAuthentication on the gateway pods, or the claims are never validated and available.

import type { Resource } from "../../../api/resource.ts";
import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { ISTIO_SYSTEM } from "../../mesh.ts";
import { getOrInit, joinName, labels, obj, objs, strs } from "../../util/fields.ts";
import { MESH_GATEWAY } from "../../util/hosts.ts";
import { type Labels, matchLabels, selectorMatches } from "../../util/selectors.ts";
import { shortOrFullName } from "./gateway.ts";

const JWT_CLAIM_HEADER = "@request.auth.claims";

export const jwtClaimRouteAnalyzer: Analyzer = {
  name: "virtualservice.JWTClaimRouteAnalyzer",
  description:
    "Checks the VirtualService using JWT claim based routing has corresponding RequestAuthentication",
  inputs: [K.VirtualService, K.RequestAuthentication, K.Gateway, K.Pod],
  analyze(ctx) {
    const raByNs = new Map<string, Labels[]>();
    for (const ra of ctx.snapshot.list(K.RequestAuthentication)) {
      getOrInit(raByNs, ra.metadata.namespace ?? "", () => []).push(matchLabels(ra.spec.selector));
    }
    for (const vs of ctx.snapshot.list(K.VirtualService)) {
      const key = claimKey(vs);
      if (!key) continue;
      const ns = vs.metadata.namespace ?? "";
      for (const gwName of strs(vs.spec.gateways)) {
        if (gwName === MESH_GATEWAY) continue;
        const [gwNs, name] = shortOrFullName(ns, gwName);
        const gw = ctx.snapshot.get(K.Gateway, gwNs || undefined, name);
        if (!gw) continue; // a missing gateway is the GatewayAnalyzer's finding
        const selector = labels(gw.spec.selector);
        for (const pod of ctx.snapshot.list(K.Pod)) {
          const podLabels = pod.metadata.labels ?? {};
          if (!selectorMatches(selector, podLabels)) continue;
          const ras = [
            ...(raByNs.get(ISTIO_SYSTEM) ?? []),
            ...(raByNs.get(pod.metadata.namespace ?? "") ?? []),
          ];
          if (!ras.some((s) => selectorMatches(s, podLabels))) {
            ctx.report(
              vs,
              "JwtClaimBasedRoutingWithoutRequestAuthN",
              key,
              joinName(gwNs, name),
              pod.metadata.name,
            );
          }
        }
      }
    }
  },
};

function claimKey(vs: Resource): string | undefined {
  for (const http of objs(vs.spec.http)) {
    for (const m of objs(http.match)) {
      for (const k of [...Object.keys(obj(m.headers)), ...Object.keys(obj(m.withoutHeaders))]) {
        if (k.startsWith(JWT_CLAIM_HEADER)) return k;
      }
    }
  }
  return undefined;
}
