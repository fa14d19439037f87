// Istio Gateways: which ones select a gateway proxy, and which VirtualService hosts a server
// admits (`ns/dnsName` hosts: namespace `*`, `.` for the gateway's own, or a name).

import type { Resource } from "../api/resource.ts";
import type { GatewaySpec, Server } from "../api/types/index.ts";
import { hostsOverlap } from "../registry/hosts.ts";
import { selectorMatches } from "../registry/workloads.ts";

export interface GatewayConfig {
  readonly name: string;
  readonly namespace: string;
  /** `namespace/name`, as VirtualServices name it. */
  readonly qualified: string;
  readonly selector?: Readonly<Record<string, string>>;
  readonly servers: readonly Server[];
}

export function gatewayConfig(r: Resource): GatewayConfig {
  const spec = r.spec as GatewaySpec;
  const ns = r.metadata.namespace ?? "default";
  return {
    name: r.metadata.name,
    namespace: ns,
    qualified: `${ns}/${r.metadata.name}`,
    selector: spec.selector,
    servers: spec.servers ?? [],
  };
}

/** A nil or empty selector selects every gateway workload, as in Istio. */
export function gatewaySelects(
  gw: GatewayConfig,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (!gw.selector || Object.keys(gw.selector).length === 0) return true;
  return selectorMatches(gw.selector, labels);
}

/** The hosts of `vsHosts` that a server admits for a VirtualService in `vsNamespace`. */
export function serverAdmits(
  server: Server,
  gwNamespace: string,
  vsNamespace: string,
  vsHosts: readonly string[],
): string[] {
  const out = new Set<string>();
  for (const h of server.hosts) {
    const slash = h.indexOf("/");
    const ns = slash < 0 ? "*" : h.slice(0, slash);
    const dns = (slash < 0 ? h : h.slice(slash + 1)).toLowerCase();
    if (ns !== "*" && (ns === "." ? gwNamespace : ns) !== vsNamespace) continue;
    for (const vh of vsHosts) if (hostsOverlap(dns, vh)) out.add(vh);
  }
  return [...out];
}

/** The `dnsName` parts of a server's hosts. */
export function serverHostNames(server: Server): string[] {
  return server.hosts.map((h) => (h.includes("/") ? h.slice(h.indexOf("/") + 1) : h).toLowerCase());
}
