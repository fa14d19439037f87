// The Envoy matchers Istio's authorization builder emits for policy values: `*` wildcards become
// prefix/suffix/presence matchers, principals gain `spiffe://`, CIDRs and ports are parsed, JWT
// claims are read from the jwt_authn filter's dynamic metadata (payload.<claim>).

import { isIP } from "node:net";
import type { Json } from "../common.ts";

export const JWT_FILTER = "envoy.filters.http.jwt_authn";
export const SPIFFE_PREFIX = "spiffe://";

/** Go's regexp.QuoteMeta: the policy text is matched literally inside generated regexes. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
}

export function regexMatcher(regex: string): Json {
  return { safe_regex: { regex } };
}

const MATCH_ANY = regexMatcher(".+");

/** `*` → any non-empty, `*x` → suffix, `x*` → prefix, else exact; `prefix` goes in front. */
export function stringMatcher(v: string, prefix = ""): Json {
  if (v === "*") return MATCH_ANY;
  if (v.startsWith("*")) {
    const rest = v.slice(1);
    // A suffix cannot carry the prefix, so Istio switches to a regex.
    return prefix ? regexMatcher(`${quoteMeta(prefix)}.*${quoteMeta(rest)}`) : { suffix: rest };
  }
  if (v.endsWith("*")) return { prefix: prefix + v.slice(0, -1) };
  return { exact: prefix + v };
}

export function exactMatcher(v: string): Json {
  return { exact: v };
}

/** A request header (or pseudo-header): `*` means present. */
export function headerMatcher(name: string, v: string): Json {
  if (v === "*") return { name, present_match: true };
  return { name, string_match: stringMatcher(v) };
}

/** :authority matches case-insensitively (hosts are case-insensitive). */
export function hostMatcher(v: string): Json {
  if (v === "*") return { name: ":authority", present_match: true };
  return { name: ":authority", string_match: { ...stringMatcher(v), ignore_case: true } };
}

export function containsPathTemplate(v: string): boolean {
  return v.includes("{*}") || v.includes("{**}");
}

/** `/a/{*}/b`, `/{**}/x` → Envoy's uri_template matcher (`*` one segment, `**` many). */
export function pathTemplateMatcher(v: string): Json {
  return {
    name: "uri-template",
    typed_config: {
      "@type":
        "type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig",
      path_template: v.replaceAll("{**}", "**").replaceAll("{*}", "*"),
    },
  };
}

/** `1.2.3.4` or `10.0.0.0/8` → CidrRange; throws on anything else. */
export function cidrRange(v: string): Json {
  const [addr, len, extra] = v.split("/");
  const family = isIP(addr);
  const max = family === 4 ? 32 : 128;
  const prefixLen = len === undefined ? max : Number(len);
  if (
    family === 0 ||
    extra !== undefined ||
    !Number.isInteger(prefixLen) ||
    prefixLen < 0 ||
    prefixLen > max ||
    (len !== undefined && !/^\d+$/.test(len))
  ) {
    throw new Error(`invalid IP address or CIDR ${JSON.stringify(v)}`);
  }
  return { address_prefix: addr, prefix_len: prefixLen };
}

export function port(v: string): number {
  const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`invalid port ${JSON.stringify(v)}`);
  return n;
}

/** One value matcher, or an or_match of several (Istio's StringOrMatcher / OrMatcher). */
export function orValueMatcher(ms: Json[]): Json {
  return ms.length === 1 ? ms[0] : { or_match: { value_matchers: ms } };
}

export function metadataMatcher(filter: string, keys: readonly string[], value: Json): Json {
  return { filter, path: keys.map((key) => ({ key })), value };
}

/** A JWT claim that may be a string or a list of strings (aud, azp, custom claims). */
export function jwtClaimMatcher(claims: readonly string[], values: readonly string[]): Json {
  const m = orValueMatcher(values.map((v) => ({ string_match: stringMatcher(v) })));
  return metadataMatcher(JWT_FILTER, ["payload", ...claims], {
    or_match: { value_matchers: [{ list_match: { one_of: m } }, m] },
  });
}

export function jwtStringClaim(claim: string, m: Json): Json {
  return metadataMatcher(JWT_FILTER, ["payload", claim], { string_match: m });
}

/** `[a][b]` → ["a", "b"]; throws unless the text is one or more bracketed names. */
export function bracketNames(s: string): string[] {
  const names: string[] = [];
  const re = /\[([^[\]]+)\]/gy;
  let m: RegExpExecArray | null = re.exec(s);
  while (m) {
    names.push(m[1]);
    if (re.lastIndex === s.length) return names;
    m = re.exec(s);
  }
  throw new Error(`expected [name] in ${JSON.stringify(s)}`);
}
