// Istio's host name rules for analysis: FQDN expansion of short names, scoped FQDNs
// (`scope/fqdn`, scope being a namespace or `*`), and wildcard matching as in host.Name.

export const DEFAULT_DOMAIN = "svc.cluster.local";
export const EXPORT_ALL = "*";
export const EXPORT_LOCAL = ".";
export const MESH_GATEWAY = "mesh";

/** `reviews` in `default` → `reviews.default.svc.cluster.local`; wildcards and dotted names stay. */
export function toFqdn(namespace: string, host: string, domain = DEFAULT_DOMAIN): string {
  if (host.startsWith("*") || host.includes(".")) return host;
  return `${host}.${namespace}.${domain}`;
}

export function scopedFqdn(
  scope: string,
  namespace: string,
  host: string,
  domain?: string,
): string {
  return `${scope}/${toFqdn(namespace, host, domain)}`;
}

export function splitScoped(s: string): [string, string] {
  const i = s.indexOf("/");
  return [s.slice(0, i), s.slice(i + 1)];
}

const FQDN = /^(.+)\.(.+)\.svc\.cluster\.local$/;

/** Namespace and name of a Kubernetes service FQDN, or empty strings. */
export function fullNameFromFqdn(fqdn: string): { namespace: string; name: string } {
  const m = FQDN.exec(fqdn);
  return m ? { namespace: m[2]!, name: m[1]! } : { namespace: "", name: "" };
}

/** The service a host names: an FQDN's namespace/name, or a short name in `namespace`. */
export function resourceNameFromHost(
  namespace: string,
  host: string,
): { namespace: string; name: string } {
  const n = fullNameFromFqdn(host);
  return n.namespace === "" ? { namespace, name: host } : n;
}

/** A Kubernetes short name: no wildcard, no dot. */
export function isShortName(host: string): boolean {
  return !host.startsWith("*") && !host.includes(".");
}

export function isWildcard(h: string): boolean {
  return h.startsWith("*");
}

/** host.Name.Matches: true when either name's wildcard covers the other. */
export function hostMatches(n: string, o: string): boolean {
  const nw = isWildcard(n);
  const ow = isWildcard(o);
  if (nw && ow) {
    return n.length < o.length ? o.slice(1).endsWith(n.slice(1)) : n.slice(1).endsWith(o.slice(1));
  }
  if (nw) return o.endsWith(n.slice(1));
  if (ow) return n.endsWith(o.slice(1));
  return n === o;
}

/** host.Name.SubsetOf: every name matched by `n` is matched by `o`. */
export function hostSubsetOf(n: string, o: string): boolean {
  if (o === "*") return true;
  if (isWildcard(o)) {
    if (isWildcard(n)) return n.slice(1).endsWith(o.slice(1));
    return n.endsWith(o.slice(1));
  }
  return !isWildcard(n) && n === o;
}

/** Gateway server hosts (`ns/host`) visible from `namespace`, with the namespace part dropped. */
export function namesForNamespace(hosts: readonly string[], namespace: string): string[] {
  const out: string[] = [];
  for (const h of hosts) {
    if (h.includes("/")) {
      const [ns, name] = h.split("/") as [string, string];
      if (ns !== namespace && ns !== "*") continue;
      out.push(name);
    } else {
      out.push(h);
    }
  }
  return out;
}

export function isExportToAll(exportTo: readonly string[]): boolean {
  return exportTo.length === 0 || exportTo.includes(EXPORT_ALL);
}

/** The namespaces (or `*`) a resource in `ns` is visible to, with `.` resolved to `ns`. */
export function exportScopes(ns: string, exportTo: readonly string[]): string[] {
  if (isExportToAll(exportTo)) return [EXPORT_ALL];
  return [...new Set(exportTo.map((e) => (e === EXPORT_LOCAL ? ns : e)))];
}
