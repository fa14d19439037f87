// Envoy's upstream_bind_config: the source address upstream connections bind, per address family
// (source_address plus extra_source_addresses for the other family, as Istio's dual-stack inbound
// clusters bind 127.0.0.6 and ::6 so that its iptables rules leave them uncaptured).

import net from "node:net";
import type { Cluster } from "../config-types.ts";

/** The source address for connections to `ip`, or undefined to let the kernel choose. */
export type SourceAddressFor = (ip: string) => string | undefined;

export function bindConfigSources(c: Cluster): SourceAddressFor | undefined {
  const b = c.upstream_bind_config;
  if (!b) return undefined;
  const all = [
    b.source_address?.address,
    ...(b.extra_source_addresses ?? []).map((e) => e.address?.address),
    ...(b.additional_source_addresses ?? []).map((a) => a.address),
  ].filter((a): a is string => !!a && net.isIP(a) !== 0);
  if (all.length === 0) return undefined;
  return (ip) => {
    const v6 = net.isIPv6(ip) && !ip.startsWith("::ffff:");
    return all.find((a) => net.isIPv6(a) === v6);
  };
}
