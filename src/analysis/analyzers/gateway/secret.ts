// gateway.SecretAnalyzer: each server's credentialName names a Secret in the namespace of the
// gateway workload, holding a key and a currently valid certificate.

import { X509Certificate } from "node:crypto";
import type { Resource } from "../../../api/resource.ts";
import type { Analyzer } from "../../analyzer.ts";
import { K } from "../../kinds.ts";
import { labels, obj, objs, str } from "../../util/fields.ts";
import { selectorMatches, selectorString } from "../../util/selectors.ts";
import { shortOrFullName } from "../virtualservice/gateway.ts";
import { selectorPath } from "./selector-path.ts";

export const secretAnalyzer: Analyzer = {
  name: "gateway.SecretAnalyzer",
  description: "Checks a gateway's referenced secrets for correctness",
  inputs: [K.Gateway, K.Pod, K.Secret],
  analyze(ctx) {
    for (const r of ctx.snapshot.list(K.Gateway)) {
      const selector = labels(r.spec.selector);
      // Secrets live with the gateway workload, not with the Gateway resource.
      const pod = ctx.snapshot
        .list(K.Pod)
        .find((p) => selectorMatches(selector, p.metadata.labels));
      const gwNs = pod?.metadata.namespace ?? "";
      if (!pod || gwNs === "") {
        ctx.reportAt(
          r,
          selectorPath(r),
          "ReferencedResourceNotFound",
          "selector",
          selectorString(selector),
        );
        continue;
      }
      for (const [i, server] of objs(r.spec.servers).entries()) {
        const at = ["spec", "servers", i, "tls", "credentialName"];
        const cn = str(obj(server.tls).credentialName);
        if (cn === "") continue;
        const [ns, name] = shortOrFullName(gwNs, cn);
        const secret = ctx.snapshot.get(K.Secret, ns, name);
        if (!secret) {
          ctx.reportAt(r, at, "ReferencedResourceNotFound", "credentialName", cn);
          continue;
        }
        if (!validSecret(secret, ctx.snapshot.now)) {
          ctx.reportAt(r, at, "InvalidGatewayCredential", r.metadata.name, gwNs);
        }
      }
    }
  },
};

/** Secret keys Istio reads a gateway certificate from: generic first, then kubernetes.io/tls. */
const CERT_KEYS = [
  ["cert", "key"],
  ["tls.crt", "tls.key"],
] as const;

function validSecret(secret: Resource, now: number): boolean {
  const data = obj(secret.spec.data);
  const stringData = obj(secret.spec.stringData);
  const value = (k: string): Buffer | undefined => {
    if (typeof stringData[k] === "string" && stringData[k] !== "")
      return Buffer.from(stringData[k]);
    const v = str(data[k]);
    return v === "" ? undefined : Buffer.from(v, "base64");
  };
  for (const [certKey, keyKey] of CERT_KEYS) {
    const cert = value(certKey);
    if (cert && value(keyKey)) return validCertificate(cert, now);
  }
  return false;
}

/** The first PEM block parses as a certificate valid at `now`. */
function validCertificate(pem: Buffer, now: number): boolean {
  const text = pem.toString("utf8");
  const m = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(text);
  if (!m) return false;
  try {
    const cert = new X509Certificate(m[0]);
    return Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo);
  } catch {
    return false;
  }
}
