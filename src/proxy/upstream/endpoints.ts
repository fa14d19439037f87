// Turns a ClusterLoadAssignment into hosts with Envoy's health flags: EDS health_status
// (UNHEALTHY, DRAINING, TIMEOUT fail it), active health checking and outlier detection each add a
// flag, and a host with no flag is healthy. Flags survive endpoint updates of the same address.

import type { ClusterLoadAssignment } from "../config-types.ts";
import type { LbHost } from "./load-balancer.ts";

export interface Host extends LbHost {
  readonly address: string;
  readonly port: number;
  /** DNS name to resolve (STRICT_DNS / LOGICAL_DNS), when the address is one. */
  readonly hostname?: string;
  readonly priority: number;
  /** region/zone/sub_zone, the locality this host is grouped under. */
  readonly locality: string;
  /** The locality's load_balancing_weight (0 when the assignment sets none). */
  readonly localityWeight: number;
  readonly healthStatus: string;
  readonly failedEdsHealth: boolean;
  failedActiveHc: boolean;
  failedOutlierCheck: boolean;
  totalRequests: number;
}

const UNHEALTHY = new Set(["UNHEALTHY", "DRAINING", "TIMEOUT"]);

export function isHealthy(h: Host): boolean {
  return !h.failedEdsHealth && !h.failedActiveHc && !h.failedOutlierCheck;
}

/** Envoy's /clusters `health_flags` value: "healthy" or the failed flags, each with a slash. */
export function healthFlags(h: Host): string {
  let out = "";
  if (h.failedActiveHc) out += "/failed_active_hc";
  if (h.failedOutlierCheck) out += "/failed_outlier_check";
  if (h.failedEdsHealth) out += "/failed_eds_health";
  return out || "healthy";
}

/** The EDS policy's overprovisioning factor (Envoy's default 140 = 1.4). */
export function overprovisioningFactor(cla: ClusterLoadAssignment | undefined): number {
  return (cla?.policy?.overprovisioning_factor ?? 140) / 100;
}

export function hostsFromAssignment(cla: ClusterLoadAssignment | undefined, what: string): Host[] {
  const out: Host[] = [];
  (cla?.endpoints ?? []).forEach((loc, li) => {
    const l = loc.locality;
    const locality = l ? `${l.region ?? ""}/${l.zone ?? ""}/${l.sub_zone ?? ""}` : "";
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
        healthStatus: status,
        failedEdsHealth: UNHEALTHY.has(status),
        failedActiveHc: false,
        failedOutlierCheck: false,
        priority: loc.priority ?? 0,
        locality,
        localityWeight: loc.load_balancing_weight ?? 0,
        activeRequests: 0,
        totalRequests: 0,
      });
    });
  });
  return out;
}
