// RequestAuthentication semantics (istio ValidateRequestAuthentication): targeting, and each JWT
// rule: issuer, audiences, jwksUri (http/https) or inline jwks (parsed as a JWK Set with `jose`),
// token locations, claim-to-header outputs, timeout.

import { createLocalJWKSet, type JSONWebKeySet } from "jose";
import type { Report } from "../diagnostic.ts";
import type { Resource } from "../resource.ts";
import type { JWTRule, RequestAuthenticationSpec } from "../types/security.ts";
import { checkPolicyTargeting, errs, validateDuration, validateHTTPHeaderName } from "./common.ts";

export function validateRequestAuthentication(
  r: Resource<RequestAuthenticationSpec>,
  report: Report,
): void {
  checkPolicyTargeting(r.spec, report);
  r.spec.jwtRules?.forEach((rule, i) => {
    if (rule) validateJwtRule(rule, `spec.jwtRules[${i}]`, report);
  });
}

function validateJwtRule(rule: JWTRule, p: string, report: Report): void {
  if (!rule.issuer) report.error(`${p}.issuer`, "issuer must be set");
  rule.audiences?.forEach((a, i) => {
    if (!a) report.error(`${p}.audiences[${i}]`, "audience must be non-empty string");
  });
  if (rule.jwksUri) errs(report, `${p}.jwksUri`, parseJwksURI(rule.jwksUri));
  if (rule.jwks) errs(report, `${p}.jwks`, parseJwks(rule.jwks));
  if (rule.jwksUri && rule.jwks) report.error(p, "only one of jwks or jwksUri can be set");
  rule.fromHeaders?.forEach((h, i) => {
    if (!h) report.error(`${p}.fromHeaders[${i}]`, "location header name must be non-null");
    else if (!h.name)
      report.error(`${p}.fromHeaders[${i}].name`, "location header name must be non-empty string");
  });
  rule.fromParams?.forEach((q, i) => {
    if (!q) report.error(`${p}.fromParams[${i}]`, "location query must be non-empty string");
  });
  rule.fromCookies?.forEach((c, i) => {
    if (!c) report.error(`${p}.fromCookies[${i}]`, "cookie name must be non-empty string");
  });
  rule.outputClaimToHeaders?.forEach((o, i) => {
    const op = `${p}.outputClaimToHeaders[${i}]`;
    if (!o) {
      report.error(op, "outputClaimToHeaders must not be null");
      return;
    }
    if (!o.claim || !o.header) {
      report.error(op, "outputClaimToHeaders header and claim value must be non-empty string");
      return;
    }
    errs(report, `${op}.header`, validateHTTPHeaderName(o.header));
  });
  if (rule.timeout !== undefined) errs(report, `${p}.timeout`, validateDuration(rule.timeout));
}

/** istio pkg/config/security ParseJwksURI: an http(s) URL with a valid port. */
export function parseJwksURI(uri: string): string | undefined {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1] ?? "";
    return `URI scheme "${scheme}" is not supported`;
  }
  const scheme = u.protocol.slice(0, -1);
  if (scheme !== "http" && scheme !== "https") return `URI scheme "${scheme}" is not supported`;
  return undefined;
}

const KEY_FIELDS: Record<string, string[]> = {
  RSA: ["n", "e"],
  EC: ["crv", "x", "y"],
  oct: ["k"],
  OKP: ["crv", "x"],
};

/** Inline JWKS: a JWK Set (or a single JWK) whose keys have the fields their type needs. */
export function parseJwks(text: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return `jwks parse error: failed to unmarshal JWK set: ${(err as Error).message}`;
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc))
    return "jwks parse error: expected a JSON object";
  const set = ("keys" in doc ? doc : { keys: [doc] }) as JSONWebKeySet;
  try {
    createLocalJWKSet(set);
  } catch (err) {
    return `jwks parse error: ${(err as Error).message}`;
  }
  for (const [i, key] of set.keys.entries()) {
    const kty = key.kty;
    const need = typeof kty === "string" ? KEY_FIELDS[kty] : undefined;
    if (!need) return `jwks parse error: key ${i}: invalid key type "${String(kty)}"`;
    const missing = need.filter((f) => typeof (key as Record<string, unknown>)[f] !== "string");
    if (missing.length)
      return `jwks parse error: key ${i}: required field ${missing.join(", ")} is missing`;
  }
  return undefined;
}
