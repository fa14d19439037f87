// Gateway references and host-name relations used by VirtualService validation: `ns/name`
// gateway names, wildcard host matching (host.Name.Matches / SubsetOf in istio pkg/config/host).

import type { Report } from "../diagnostic.ts";
import { isDNS1123Label, validateFQDN } from "./names.ts";

export const MESH_GATEWAY = "mesh";

export function validateGatewayNames(names: string[] | undefined, p: string, report: Report): void {
  names?.forEach((name, i) => {
    const path = `${p}[${i}]`;
    const slash = name.indexOf("/");
    if (slash < 0) {
      if (name.includes(".")) {
        // Legacy `name.namespace` (or FQDN) form.
        const parts = name.split(".");
        report.warning(
          path,
          `using legacy gatewayName format "${name}"; prefer the <namespace>/<name> format: "${parts[1]}/${parts[0]}"`,
        );
      }
      const e = validateFQDN(name);
      if (e) report.error(path, e);
      return;
    }
    const ns = name.slice(0, slash);
    const gw = name.slice(slash + 1);
    if (ns.length === 0 || gw.length === 0) {
      report.error(path, "config namespace and gateway name cannot be empty");
    }
    if (!isDNS1123Label(ns)) report.error(path, `invalid value for namespace: "${ns}"`);
    if (!isDNS1123Label(gw)) report.error(path, `invalid value for gateway name: "${gw}"`);
  });
}

/** Whether two host names (possibly wildcards) match each other in either direction. */
export function hostsMatch(a: string, b: string): boolean {
  if (a === b) return true;
  const aw = a.startsWith("*");
  const bw = b.startsWith("*");
  if (aw && bw) return a.length <= b.length ? b.endsWith(a.slice(1)) : a.endsWith(b.slice(1));
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return false;
}

/** Whether every name matched by `sub` is also matched by `sup`. */
export function hostSubsetOf(sub: string, sup: string): boolean {
  if (sub === sup) return true;
  if (sup.startsWith("*")) return sub.endsWith(sup.slice(1));
  return false;
}
