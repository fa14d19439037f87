// destinationrule.CaCertificateAnalyzer: TLS origination in SIMPLE or MUTUAL mode without
// caCertificates does not verify the server's identity.

import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { fullName, obj, objs, str } from "../../util/fields.ts";

const VERIFYING_MODES = new Set(["SIMPLE", "MUTUAL"]);

export const caCertificateAnalyzer: Analyzer = {
  name: "destinationrule.CaCertificateAnalyzer",
  description: "Checks if caCertificates is set when TLS mode is SIMPLE/MUTUAL",
  inputs: [K.DestinationRule],
  analyze(ctx) {
    for (const r of ctx.snapshot.list(K.DestinationRule)) {
      const ns = r.metadata.namespace ?? "";
      const name = fullName(r);
      const host = str(r.spec.host);
      const policy = obj(r.spec.trafficPolicy);
      // With a workload selector, credentialName supplies the CA (the secret's ca.crt).
      const selected = r.spec.workloadSelector !== undefined && r.spec.workloadSelector !== null;
      const unverified = (t: Readonly<Record<string, unknown>>) =>
        VERIFYING_MODES.has(str(t.mode)) &&
        str(t.caCertificates) === "" &&
        !(selected && str(t.credentialName) !== "");
      const tls = obj(policy.tls);
      const mode = str(tls.mode);
      if (unverified(tls)) {
        ctx.reportAt(
          r,
          ["spec", "trafficPolicy", "tls", "mode"],
          "NoServerCertificateVerificationDestinationLevel",
          name,
          ns,
          mode,
          host,
        );
      }
      for (const [i, p] of objs(policy.portLevelSettings).entries()) {
        const portTls = obj(p.tls);
        const portMode = str(portTls.mode);
        if (unverified(portTls)) {
          const port = p.port === undefined ? "<nil>" : `number:${str(obj(p.port).number)}`;
          ctx.reportAt(
            r,
            ["spec", "trafficPolicy", "portLevelSettings", i, "tls", "mode"],
            "NoServerCertificateVerificationPortLevel",
            name,
            ns,
            portMode,
            host,
            port,
          );
        }
      }
    }
  },
};
