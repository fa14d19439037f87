// RequestAuthentication → envoy.filters.http.jwt_authn as Istio builds it: one provider per JWT
// rule (`origins-<i>`), the payload in dynamic metadata under `payload` (where the RBAC filter
// reads request principals and claims), and a requirement that accepts a request without a token
// (authorization decides about those) but rejects one whose token fails verification.

import type { JWTRule, RequestAuthentication } from "../../api/types/index.ts";
import { TYPE_URL } from "../../envoy/index.ts";
import { duration, type Json, outboundClusterName, typed } from "./common.ts";

export const JWT_AUTHN_FILTER = "envoy.filters.http.jwt_authn";

/** Where the jwks_uri is fetched from: the outbound cluster of its host and port. */
function remoteJwks(uri: string, timeout: string | undefined): Json {
  let cluster = "";
  try {
    const u = new URL(uri);
    const port = u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
    cluster = outboundClusterName(port, "", u.hostname);
  } catch {
    // an unparsable URI keeps an empty cluster: the proxy rejects tokens it cannot verify
  }
  return {
    http_uri: { uri, cluster, timeout: duration(timeout) ?? "5s" },
    cache_duration: "300s",
  };
}

function provider(rule: JWTRule): Json {
  const p: Json = { issuer: rule.issuer ?? "" };
  if (rule.audiences?.length) p.audiences = rule.audiences;
  if (rule.jwks) p.local_jwks = { inline_string: rule.jwks };
  else if (rule.jwksUri) p.remote_jwks = remoteJwks(rule.jwksUri, rule.timeout);
  if (rule.forwardOriginalToken) p.forward = true;
  if (rule.fromHeaders?.length)
    p.from_headers = rule.fromHeaders.map(
      (h): Json => (h.prefix ? { name: h.name, value_prefix: h.prefix } : { name: h.name }),
    );
  if (rule.fromParams?.length) p.from_params = rule.fromParams;
  if (rule.fromCookies?.length) p.from_cookies = rule.fromCookies;
  if (rule.outputPayloadToHeader) p.forward_payload_header = rule.outputPayloadToHeader;
  if (rule.outputClaimToHeaders?.length)
    p.claim_to_headers = rule.outputClaimToHeaders.map((c) => ({
      header_name: c.header,
      claim_name: c.claim,
    }));
  p.payload_in_metadata = "payload";
  return p;
}

/** The jwt_authn filter for the RequestAuthentications of a workload, or none without rules. */
export function jwtAuthnFilter(policies: readonly RequestAuthentication[]): Json | undefined {
  const rules = policies.flatMap((p) => p.spec.jwtRules ?? []);
  if (rules.length === 0) return undefined;
  const providers: Json = {};
  const requirements: Json[] = [];
  rules.forEach((r, i) => {
    providers[`origins-${i}`] = provider(r);
    requirements.push({ provider_name: `origins-${i}` });
  });
  requirements.push({ allow_missing: {} });
  return {
    name: JWT_AUTHN_FILTER,
    typed_config: typed(TYPE_URL.JWT_AUTHN, {
      providers,
      rules: [{ match: { prefix: "/" }, requires: { requires_any: { requirements } } }],
      bypass_cors_preflight: true,
    }),
  };
}
