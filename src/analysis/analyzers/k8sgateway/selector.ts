// k8sgateway.SelectorAnalyzer: policies selecting the pods of a Kubernetes Gateway by label do
// not apply to it; Gateway API deployments are attached with targetRef.

import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { getOrInit } from "../../util/fields.ts";
import { type Labels, matchLabels, selectorMatches } from "../../util/selectors.ts";

const GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";
const POLICIES = [K.AuthorizationPolicy, K.RequestAuthentication, K.Telemetry, K.WasmPlugin];

export const k8sGatewaySelectorAnalyzer: Analyzer = {
  name: "k8sgateway.SelectorAnalyzer",
  description: "Check that selectors are effective for Kubernetes gateway",
  inputs: [...POLICIES, K.Pod],
  analyze(ctx) {
    const gatewayPods = new Map<string, Labels[]>();
    for (const p of ctx.snapshot.list(K.Pod)) {
      const l = p.metadata.labels ?? {};
      if (GATEWAY_NAME_LABEL in l)
        getOrInit(gatewayPods, p.metadata.namespace ?? "", () => []).push(l);
    }
    for (const kind of POLICIES) {
      for (const r of ctx.snapshot.list(kind)) {
        if (r.spec.targetRef != null || r.spec.selector == null) continue;
        const sel = matchLabels(r.spec.selector);
        for (const pod of gatewayPods.get(r.metadata.namespace ?? "") ?? []) {
          if (selectorMatches(sel, pod))
            ctx.report(r, "IneffectiveSelector", pod[GATEWAY_NAME_LABEL]);
        }
      }
    }
  },
};
