// Value checks for AuthorizationPolicy rules (istio pkg/config/security): condition keys and
// their values, IPs and CIDRs, ports, empty strings, path templates.

import { isCIDR, isIPAddress } from "./names.ts";

const PLAIN_KEYS = new Set([
  "source.namespace",
  "source.principal",
  "source.serviceAccount",
  "source.trustDomain",
  "request.auth.principal",
  "request.auth.audiences",
  "request.auth.presenter",
  "connection.sni",
]);
const IP_KEYS = new Set(["source.ip", "remote.ip", "destination.ip"]);

/** `request.headers[x]`, `request.auth.claims[a][b]`: a bracketed, non-empty name (or names). */
function validateMapKey(key: string, prefix: string, nested: boolean): string | undefined {
  const rest = key.slice(prefix.length);
  const re = nested ? /^(\[[^[\]]+\])+$/ : /^\[[^[\]]+\]$/;
  return re.test(rest) ? undefined : `invalid key: ${key}`;
}

export function validateAttribute(key: string, values: string[] | undefined): string | undefined {
  if (key.startsWith("request.headers")) return validateMapKey(key, "request.headers", false);
  if (key.startsWith("request.auth.claims"))
    return validateMapKey(key, "request.auth.claims", true);
  if (IP_KEYS.has(key)) return validateIPs(values);
  if (key === "destination.port") return validatePorts(values);
  if (PLAIN_KEYS.has(key) || key.startsWith("experimental.envoy.filters.")) return undefined;
  if (key.startsWith("destination.namespace"))
    return `attribute ${key} is replaced by the metadata.namespace`;
  if (key.startsWith("destination.labels"))
    return `attribute ${key} is replaced by the workload selector`;
  if (key.startsWith("destination.name") || key.startsWith("destination.user")) {
    return `attribute ${key} is only supported in v1alpha1`;
  }
  return `unknown attribute (${key})`;
}

export function validateIPs(values: string[] | undefined): string | undefined {
  for (const v of values ?? []) {
    const ok = v.includes("/") ? isCIDR(v) : isIPAddress(v);
    if (!ok) return `invalid IP address or CIDR range: ${v}`;
  }
  return undefined;
}

export function validatePorts(values: string[] | undefined): string | undefined {
  for (const v of values ?? []) {
    if (!/^\d+$/.test(v) || Number(v) > 65535) return `invalid port: ${v}`;
  }
  return undefined;
}

export function checkEmptyValues(name: string, values: string[] | undefined): string | undefined {
  return values?.some((v) => v === "") ? `empty value not allowed, found in ${name}` : undefined;
}

/** `{*}` matches one segment, `{**}` any number; no operator may follow `{**}`. */
export function checkPathTemplate(name: string, paths: string[] | undefined): string | undefined {
  for (const path of paths ?? []) {
    if (!path.includes("{") && !path.includes("}")) continue;
    let afterGlob = false;
    for (const s of path.split("/")) {
      if (!s.includes("{") && !s.includes("}") && !s.includes("*")) continue;
      if (s !== "{*}" && s !== "{**}") {
        return `invalid or unsupported path ${path}, found in ${name}. Contains '{' or '}' beyond a supported path template`;
      }
      if (afterGlob)
        return `invalid or unsupported path ${path}, found in ${name}. {**} is not the last operator`;
      if (s === "{**}") afterGlob = true;
    }
  }
  return undefined;
}
