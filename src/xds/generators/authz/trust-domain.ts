// Trust-domain aliases (MeshConfig trustDomain + trustDomainAliases): a principal written for the
// local trust domain (or for `cluster.local`, which always means "the local one") is expanded to
// every alias, so policies keep working while a mesh migrates between trust domains.

export type TrustDomainBundle = readonly string[];

export function trustDomainBundle(
  trustDomain: string,
  aliases: readonly string[],
): TrustDomainBundle {
  return [trustDomain, ...aliases];
}

const DEFAULT_TRUST_DOMAIN = "cluster.local";

function wildcardMatch(pattern: string, value: string): boolean {
  if (pattern === value) return true;
  if (pattern.startsWith("*")) return value.endsWith(pattern.slice(1));
  if (pattern.endsWith("*")) return value.startsWith(pattern.slice(0, -1));
  return false;
}

/** `<td>/ns/<ns>/sa/<sa>` with every alias of its trust domain; other forms are kept as they are. */
export function withTrustDomainAliases(
  bundle: TrustDomainBundle,
  principals: readonly string[],
): string[] {
  const out: string[] = [];
  for (const p of principals) {
    const parts = p.split("/");
    // Not a SPIFFE-shaped principal, or one whose trust domain is `*`: nothing to expand.
    if (parts.length !== 5 || parts[0] === "*") {
      out.push(p);
      continue;
    }
    const td = parts[0];
    if (!bundle.some((t) => wildcardMatch(td, t)) && td !== DEFAULT_TRUST_DOMAIN) {
      out.push(p);
      continue;
    }
    const expanded: string[] = [];
    for (const t of bundle) {
      // A wildcard trust domain that already covers this alias stays as written.
      const next =
        td.startsWith("*") && t.endsWith(td.slice(1)) ? p : [t, ...parts.slice(1)].join("/");
      if (!expanded.includes(next)) expanded.push(next);
    }
    out.push(...expanded);
  }
  return out;
}

/** Trust-domain values (source.trustDomains) naming the local domain or an alias → all of them. */
export function expandTrustDomains(bundle: TrustDomainBundle, values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    for (const t of bundle.includes(v) ? bundle : [v]) if (!out.includes(t)) out.push(t);
  }
  return out;
}
