// gateway.IngressGatewayPortAnalyzer: a Gateway selects some workload, and each server port is
// exposed by a Service in front of that workload.

import type { Resource } from "../../../api/resource.ts";
import type { Analyzer, Context } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { labels, num, obj, objs, str } from "../../util/fields.ts";
import { selectorMatches, selectorString } from "../../util/selectors.ts";
import { selectorPath } from "./selector-path.ts";

export const ingressGatewayPortAnalyzer: Analyzer = {
  name: "gateway.IngressGatewayPortAnalyzer",
  description: "Checks a gateway's ports against the gateway's Kubernetes service ports",
  inputs: [K.Gateway, K.Pod, K.Service],
  analyze(ctx) {
    for (const r of ctx.snapshot.list(K.Gateway)) analyzeGateway(ctx, r);
  },
};

function analyzeGateway(ctx: Context, r: Resource): void {
  const selector = labels(r.spec.selector);
  const servicePorts = new Set<number>();
  let matches = 0;
  // Several Services may front the selected pods; a port offered by any of them is enough.
  for (const pod of ctx.snapshot.list(K.Pod)) {
    if (!selectorMatches(selector, pod.metadata.labels)) continue;
    matches++;
    for (const svc of ctx.snapshot.list(K.Service)) {
      if ((svc.metadata.namespace ?? "") !== (pod.metadata.namespace ?? "")) continue;
      if (!selectorMatches(labels(svc.spec.selector), pod.metadata.labels)) continue;
      for (const p of objs(svc.spec.ports)) {
        // Kubernetes defaults an unset protocol to TCP.
        const protocol = str(p.protocol) || "TCP";
        if (protocol !== "TCP") continue;
        // The gateway listens on the container port: the target port, or the port itself.
        for (const n of [num(p.port), num(p.targetPort)]) if (n !== undefined) servicePorts.add(n);
      }
    }
  }
  const sel = selectorString(selector);
  if (matches === 0) {
    ctx.reportAt(r, selectorPath(r), "ReferencedResourceNotFound", "selector", sel);
    return;
  }
  for (const server of objs(r.spec.servers)) {
    if (!server.port || typeof server.port !== "object") continue;
    const port = num(obj(server.port).number) ?? 0;
    if (!servicePorts.has(port))
      ctx.reportAt(r, selectorPath(r), "GatewayPortNotDefinedOnService", port, sel);
  }
}
