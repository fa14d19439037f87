// Istio host names: `name.namespace.svc.<domain suffix>`, short-name resolution against the
// namespace of the rule that names the host, and wildcard host matching (`*.example.com`).

export const DEFAULT_DOMAIN_SUFFIX = "cluster.local";

export function serviceHostname(
  name: string,
  namespace: string,
  suffix = DEFAULT_DOMAIN_SUFFIX,
): string {
  return `${name}.${namespace}.svc.${suffix}`;
}

/**
 * Istio's ResolveShortnameToFQDN: a host without a dot (`reviews`) is qualified with the
 * namespace of the config that names it; hosts with a dot and `*` stay as written.
 */
export function resolveShortName(
  host: string,
  namespace: string,
  suffix = DEFAULT_DOMAIN_SUFFIX,
): string {
  if (host === "*" || host.includes(".")) return host.toLowerCase();
  return `${host}.${namespace}.svc.${suffix}`.toLowerCase();
}

/** True when `host` (possibly a wildcard) covers `name` (possibly a wildcard), as host.Name.Matches. */
export function hostMatches(pattern: string, name: string): boolean {
  if (pattern === name || pattern === "*") return true;
  if (pattern.startsWith("*")) {
    const suffix = pattern.slice(1);
    if (name.startsWith("*")) return name.slice(1).endsWith(suffix);
    return name.endsWith(suffix);
  }
  return false;
}

/** Either host covers the other: used to attach a VirtualService to a service. */
export function hostsOverlap(a: string, b: string): boolean {
  return hostMatches(a, b) || hostMatches(b, a);
}

/** Orders hosts most specific first: exact before wildcard, longer wildcard before shorter. */
export function compareHostSpecificity(a: string, b: string): number {
  const wa = a.startsWith("*");
  const wb = b.startsWith("*");
  if (wa !== wb) return wa ? 1 : -1;
  if (wa && a.length !== b.length) return b.length - a.length;
  return a.localeCompare(b);
}
