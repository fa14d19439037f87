// Turns a ClusterLoadAssignment into the hosts a load balancer picks from: the lowest priority
// that has a healthy host wins (Envoy's priority failover, without overprovisioning), and hosts
// EDS reports UNHEALTHY, DRAINING or TIMEOUT are left out.

import type { ClusterLoadAssignment } from "../config-types.ts";
import type { LbHost } from "./load-balancer.ts";

export interface Host extends LbHost {
  readonly address: string;
  readonly port: number;
  /** DNS name to resolve (STRICT_DNS / LOGICAL_DNS), when the address is one. */
  readonly hostname?: string;
  readonly healthy: boolean;
  readonly priority: number;
  readonly healthStatus: string;
  totalRequests: number;
}

const UNHEALTHY = new Set(["UNHEALTHY", "DRAINING", "TIMEOUT"]);

export function hostsFromAssignment(cla: ClusterLoadAssignment | undefined, what: string): Host[] {
  const out: Host[] = [];
  (cla?.endpoints ?? []).forEach((loc, li) => {
    (loc.lb_endpoints ?? []).forEach((ep, ei) => {
      const sa = ep.endpoint?.address?.socket_address;
      const path = `${what}.endpoints[${li}].lb_endpoints[${ei}].endpoint.address.socket_address`;
      if (!sa?.address) throw new Error(`${path}.address: required`);
      if (!sa.port_value) throw new Error(`${path}.port_value: required`);
      const status = ep.health_status ?? "UNKNOWN";
      out.push({
        key: `${sa.address}:${sa.port_value}`,
        address: sa.address,
        port: sa.port_value,
        weight: ep.load_balancing_weight ?? 1,
        healthy: !UNHEALTHY.has(status),
        healthStatus: status,
        priority: loc.priority ?? 0,
        activeRequests: 0,
        totalRequests: 0,
      });
    });
  });
  return out;
}

/** Healthy hosts of the best priority level that has any. */
export function eligibleHosts(hosts: readonly Host[]): Host[] {
  let best = Number.POSITIVE_INFINITY;
  for (const h of hosts) if (h.healthy && h.priority < best) best = h.priority;
  return hosts.filter((h) => h.healthy && h.priority === best);
}
