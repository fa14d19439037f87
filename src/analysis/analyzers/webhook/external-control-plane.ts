// externalcontrolplane.ExternalControlPlaneAnalyzer: Istio webhooks that reach an external
// control plane by URL need a usable hostname (not blank, preferably not an IP address).

import { isIP } from "node:net";
import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { obj, objs, str } from "../../util/fields.ts";

const VALIDATING_PREFIXES = ["istio-validator", "istiod-default-validator"];
const MUTATING_PREFIXES = ["istio-sidecar-injector"];

export const externalControlPlaneAnalyzer: Analyzer = {
  name: "externalcontrolplane.ExternalControlPlaneAnalyzer",
  description: "Checks that the remote IstioOperator resources reference an external control plane",
  inputs: [K.ValidatingWebhook, K.MutatingWebhook],
  analyze(ctx) {
    for (const [kind, prefixes] of [
      [K.ValidatingWebhook, VALIDATING_PREFIXES],
      [K.MutatingWebhook, MUTATING_PREFIXES],
    ] as const) {
      for (const r of ctx.snapshot.list(kind)) {
        if (!prefixes.some((p) => r.metadata.name.startsWith(p))) continue;
        // One finding per configuration: the first webhook with a problem.
        for (const hook of objs(r.spec.webhooks)) {
          const client = obj(hook.clientConfig);
          if (client.service !== undefined && client.service !== null) continue; // in-cluster istiod
          const url = str(client.url).trim();
          const name = str(hook.name);
          if (url === "") {
            ctx.report(r, "InvalidExternalControlPlaneConfig", "", name, "is blank");
            break;
          }
          let host: string;
          try {
            host = new URL(url).hostname.replace(/^\[|\]$/g, "");
          } catch {
            ctx.report(r, "InvalidExternalControlPlaneConfig", url, name, "is not a valid URL");
            break;
          }
          if (isIP(host) !== 0) {
            ctx.report(r, "ExternalControlPlaneAddressIsNotAHostname", host, name);
            break;
          }
        }
      }
    }
  },
};
