// gateway.CertificateAnalyzer: two Gateways on overlapping workloads must not serve the same
// certificate (same credentialName, or same certificate and key files).

import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { fullName, labels, type Obj, obj, objs, str } from "../../util/fields.ts";
import type { Labels } from "../../util/selectors.ts";

export const certificateAnalyzer: Analyzer = {
  name: "gateway.CertificateAnalyzer",
  description: "Checks a gateway certificate",
  inputs: [K.Gateway],
  analyze(ctx) {
    const gateways = ctx.snapshot.list(K.Gateway);
    for (const current of gateways) {
      const selector = labels(current.spec.selector);
      for (const other of gateways) {
        if (other === current) continue;
        // Other gateways whose selector includes this one's (an empty selector includes all).
        if (
          Object.keys(selector).length > 0 &&
          !selectorSubset(selector, labels(other.spec.selector))
        )
          continue;
        for (const a of objs(current.spec.servers)) {
          for (const b of objs(other.spec.servers)) {
            if (a.tls == null || b.tls == null) continue;
            if (sameCertificate(obj(a.tls), obj(b.tls))) {
              ctx.report(current, "GatewayDuplicateCertificate", [
                fullName(current),
                fullName(other),
              ]);
            }
          }
        }
      }
    }
  },
};

function sameCertificate(x: Obj, y: Obj): boolean {
  const [cx, cy] = [str(x.credentialName), str(y.credentialName)];
  if (cx !== "" && cy !== "") return cx === cy;
  if (cx !== "" || cy !== "") return false;
  const [sx, sy] = [str(x.serverCertificate), str(y.serverCertificate)];
  if (sx === "" || sy === "" || sx !== sy) return false;
  const [kx, ky] = [str(x.privateKey), str(y.privateKey)];
  return kx !== "" && ky !== "" && kx === ky;
}

/** Every pair of `x` is in `y`. */
function selectorSubset(x: Labels, y: Labels): boolean {
  return Object.entries(x).every(([k, v]) => y[k] === v);
}
