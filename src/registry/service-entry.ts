// ServiceEntry → services and endpoints: one service per host, resolution (NONE, STATIC, DNS,
// DNS_ROUND_ROBIN), location, inline endpoints and workloadSelector over WorkloadEntries/Pods.

import type { Resource } from "../api/resource.ts";
import type { ServiceEntrySpec } from "../api/types/index.ts";
import { externalEndpoint } from "./kube.ts";
import { parseProtocol } from "./protocol.ts";
import type { Endpoint, Resolution, Service, ServicePort, Workload } from "./types.ts";
import { entryToWorkload, selectorMatches } from "./workloads.ts";

const RESOLUTIONS: Readonly<Record<string, Resolution>> = {
  NONE: "Passthrough",
  STATIC: "ClientSideLB",
  DNS: "DNSLB",
  DNS_ROUND_ROBIN: "DNSRoundRobinLB",
};

export function serviceEntryServices(se: Resource): Service[] {
  const spec = se.spec as Partial<ServiceEntrySpec>;
  const ns = se.metadata.namespace ?? "default";
  const ports: ServicePort[] = (spec.ports ?? []).map((p) => ({
    name: p.name ?? `${p.number}`,
    port: p.number,
    protocol: parseProtocol(p.protocol),
    targetPort: p.targetPort,
  }));
  const address = spec.addresses?.[0]?.split("/")[0] ?? "0.0.0.0";
  return (spec.hosts ?? []).map((host) => ({
    hostname: host.toLowerCase(),
    namespace: ns,
    name: se.metadata.name,
    source: "ServiceEntry" as const,
    address,
    ports,
    resolution: RESOLUTIONS[spec.resolution ?? "NONE"] ?? "Passthrough",
    meshExternal: spec.location !== "MESH_INTERNAL",
    exportTo: spec.exportTo ?? [],
    labels: se.metadata.labels ?? {},
    selector: spec.workloadSelector?.labels,
    headless: false,
  }));
}

/** Endpoints of the services of one ServiceEntry, from inline endpoints or its workloadSelector. */
export function serviceEntryEndpoints(
  se: Resource,
  svc: Service,
  workloads: readonly Workload[],
): Endpoint[] {
  const spec = se.spec as Partial<ServiceEntrySpec>;
  const out: Endpoint[] = [];
  if (spec.workloadSelector) {
    for (const w of workloads) {
      if (w.namespace !== svc.namespace || !selectorMatches(svc.selector, w.labels)) continue;
      for (const sp of svc.ports) out.push(fromWorkload(svc, sp, w));
    }
    return out;
  }
  if (spec.endpoints?.length) {
    spec.endpoints.forEach((e, i) => {
      const w = entryToWorkload(e, `${se.metadata.name}-${i}`, svc.namespace);
      if (!w) return;
      for (const sp of svc.ports) out.push(fromWorkload(svc, sp, w));
    });
    return out;
  }
  // DNS resolution without endpoints: the host itself is the endpoint (not wildcards).
  if (svc.resolution === "DNSLB" || svc.resolution === "DNSRoundRobinLB") {
    if (!svc.hostname.startsWith("*")) {
      for (const sp of svc.ports) out.push(externalEndpoint(svc, sp, svc.hostname));
    }
  }
  return out;
}

function fromWorkload(svc: Service, sp: ServicePort, w: Workload): Endpoint {
  return {
    hostname: svc.hostname,
    namespace: svc.namespace,
    servicePortName: sp.name,
    servicePort: sp.port,
    address: w.address,
    port: w.ports[sp.name] ?? sp.targetPort ?? sp.port,
    labels: w.labels,
    serviceAccount: w.serviceAccount,
    locality: w.locality,
    healthy: w.ready,
    weight: w.weight,
    network: w.network,
    workload: `${w.kind}/${w.namespace}/${w.name}`,
    tlsMode: w.sidecar ? "istio" : "disabled",
  };
}
