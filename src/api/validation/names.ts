// Istio's name checks (pkg/config/labels, pkg/config/validation/agent): DNS-1123 labels, FQDNs
// and wildcard domains, IPs and CIDRs, `namespace/host` entries, label maps. Each returns an
// error message or undefined, with Istio's wording.

import { isIP } from "node:net";

const DNS1123_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const WILDCARD_LABEL = /^(\*|(\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function isDNS1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

export function isWildcardDNS1123Label(s: string): boolean {
  return s.length <= 63 && WILDCARD_LABEL.test(s);
}

function dnsPreconditions(name: string): string | undefined {
  if (name.length > 255) return `domain name "${name}" too long (max 255)`;
  if (name.length === 0) return "empty domain name not allowed";
  return undefined;
}

function dnsLabels(domain: string): string | undefined {
  const parts = domain.split(".");
  const tld = parts[parts.length - 1];
  if (/^[+-]?\d+$/.test(tld)) {
    return `domain name "${domain}" invalid (top level domain "${tld}" cannot be all-numeric)`;
  }
  for (let i = 0; i < parts.length; i++) {
    // A trailing dot (`istio.io.`) is allowed.
    if (i === parts.length - 1 && parts[i] === "") return undefined;
    if (!isDNS1123Label(parts[i])) {
      return `domain name "${domain}" invalid (label "${parts[i]}" invalid)`;
    }
  }
  return undefined;
}

export function validateFQDN(fqdn: string): string | undefined {
  return dnsPreconditions(fqdn) ?? dnsLabels(fqdn);
}

/** A domain whose first label may be a wildcard (`*`, `*.foo.com`, `*-foo.com`). */
export function validateWildcardDomain(domain: string): string | undefined {
  const pre = dnsPreconditions(domain);
  if (pre) return pre;
  const dot = domain.indexOf(".");
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (!isWildcardDNS1123Label(first)) {
    return `domain name "${domain}" invalid (label "${first}" invalid)`;
  }
  return dot < 0 ? undefined : dnsLabels(domain.slice(dot + 1));
}

/** `*.foo.com` and `*` are fine; `*foo.com` or `foo.*.com` are partial wildcards. */
export function partialWildcardWarning(host: string): string | undefined {
  if (host.includes("*") && host.length !== 1 && !host.startsWith("*.")) {
    return `partial wildcard "${host}" not allowed`;
  }
  return undefined;
}

export function isIPAddress(s: string): boolean {
  return isIP(s) !== 0;
}

export function validateIPAddress(addr: string): string | undefined {
  return isIPAddress(addr) ? undefined : `${addr} is not a valid IP`;
}

export function isCIDR(s: string): boolean {
  const slash = s.indexOf("/");
  if (slash < 0 || s.indexOf("/", slash + 1) >= 0) return false;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  const family = isIP(ip);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** An IP or a CIDR block. */
export function validateIPSubnet(subnet: string): string | undefined {
  if (subnet.split("/").length === 2) {
    return isCIDR(subnet) ? undefined : `${subnet} is not a valid CIDR block`;
  }
  return validateIPAddress(subnet);
}

export function validatePort(port: number): string | undefined {
  return Number.isInteger(port) && port >= 1 && port <= 65535
    ? undefined
    : `port number ${port} must be in the range 1..65535`;
}

export function validatePortName(name: string): string | undefined {
  return isDNS1123Label(name) ? undefined : `invalid port name: ${name}`;
}

export function validateUnixAddress(addr: string): string | undefined {
  if (addr.length === 0) return "unix address must not be empty";
  if (addr.startsWith("@")) return undefined;
  if (!addr.startsWith("/") || addr.endsWith("/"))
    return `${addr} is not an absolute path to a file`;
  return undefined;
}

/** The host part of a Gateway server or Sidecar egress host: FQDN or `*`, gateways also an IP. */
function sidecarOrGatewayHostnamePart(hostname: string, isGateway: boolean): string[] {
  const errs: string[] = [];
  if (hostname !== "*" && !hostname.includes("."))
    errs.push("short names (non FQDN) are not allowed");
  const err = validateWildcardDomain(hostname);
  if (err && !(isGateway && isIPAddress(hostname))) errs.push(err);
  const partial = partialWildcardWarning(hostname);
  if (partial) errs.push(partial);
  return errs;
}

/**
 * A `namespace/dnsName` entry of Gateway servers and Sidecar egress hosts (istio
 * ValidateNamespaceSlashWildcardHostname). Gateways also accept a bare host (legacy); sidecars
 * allow `~` as namespace.
 */
export function validateNamespaceSlashWildcardHostname(
  hostname: string,
  isGateway: boolean,
): string[] {
  const slash = hostname.indexOf("/");
  if (slash < 0) {
    return isGateway
      ? sidecarOrGatewayHostnamePart(hostname, true)
      : ["host must be of form namespace/dnsName"];
  }
  const errs: string[] = [];
  const ns = hostname.slice(0, slash);
  const name = hostname.slice(slash + 1);
  if (ns.length === 0 || name.length === 0) {
    errs.push("config namespace and dnsName in host entry cannot be empty");
  }
  const special = isGateway ? ["*", "."] : ["*", ".", "~"];
  if (!special.includes(ns) && !isDNS1123Label(ns)) {
    errs.push(`invalid namespace value "${ns}" in ${isGateway ? "gateway" : "sidecar"}`);
  }
  return [...errs, ...sidecarOrGatewayHostnamePart(name, isGateway)];
}

/** Label map keys and values, as Kubernetes and Istio accept them. */
export function validateLabels(labels: Record<string, string> | undefined): string[] {
  const errs: string[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (!isLabelKey(k)) errs.push(`invalid tag key: "${k}"`);
    if (typeof v !== "string" || v.length > 63 || !LABEL_VALUE.test(v)) {
      errs.push(`invalid tag value: "${String(v)}"`);
    }
  }
  return errs;
}

function isLabelKey(k: string): boolean {
  const slash = k.lastIndexOf("/");
  const name = slash < 0 ? k : k.slice(slash + 1);
  if (slash >= 0) {
    const prefix = k.slice(0, slash);
    if (prefix.length === 0 || prefix.length > 253 || validateFQDN(prefix)) return false;
  }
  return name.length > 0 && name.length <= 63 && QUALIFIED_NAME.test(name);
}
