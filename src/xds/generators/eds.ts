// EDS: ClusterLoadAssignments for `outbound|port|subset|host`. Endpoints are grouped by
// locality; with outlier detection on (as Istio requires) localities get failover priorities
// relative to the proxy (0 same subzone, 1 same zone, 2 same region, 3 elsewhere), and a
// `distribute` setting turns into locality weights.

import type { LocalityLoadBalancerSetting, Subset } from "../../api/types/index.ts";
import type { MeshProxy } from "../../model/proxy.ts";
import type { PushContext } from "../../model/push-context.ts";
import type { Endpoint, Locality, Service, ServicePort } from "../../registry/types.ts";
import { localityString } from "../../registry/types.ts";
import { selectorMatches } from "../../registry/workloads.ts";
import { effectivePolicy } from "./cluster-policy.ts";
import { type Json, parseClusterName, socketAddress, sortBy } from "./common.ts";

/** The assignment for one cluster, or undefined when the proxy cannot see that cluster. */
export function buildEndpoints(
  proxy: MeshProxy,
  push: PushContext,
  clusterName: string,
): Json | undefined {
  const parsed = parseClusterName(clusterName);
  if (parsed?.direction !== "outbound") return undefined;
  const svc = push.serviceFor(proxy, parsed.host);
  if (svc?.resolution !== "ClientSideLB") return undefined;
  const port = svc.ports.find((p) => p.port === parsed.port);
  if (!port) return undefined;
  const dr = push.destinationRule(proxy, svc);
  const subset = parsed.subset
    ? dr?.spec.subsets?.find((s) => s.name === parsed.subset)
    : undefined;
  if (parsed.subset && !subset) return { cluster_name: clusterName, endpoints: [] };
  // What the assignment reads besides the snapshot: one object for every proxy that shares these
  // (its hash and encoding are then made once too, see ResourceCache).
  const key = [
    "eds",
    proxy.generator ?? "",
    svc.namespace,
    clusterName,
    dr?.from.join(",") ?? "",
    localityString(proxy.locality),
  ].join("|");
  return push.memoise(key, () => {
    const eps = endpointsFor(push, svc, port, subset).filter((e) => e.healthy);
    const policy = effectivePolicy(dr?.spec.trafficPolicy, subset, port.port);
    const localitySetting = policy?.loadBalancer?.localityLbSetting ?? push.mesh.localityLbSetting;
    const failover = policy?.outlierDetection !== undefined && localitySetting?.enabled !== false;
    return {
      cluster_name: clusterName,
      endpoints: localityGroups(eps, proxy, failover, localitySetting, proxy.generator === "grpc"),
    };
  });
}

export function endpointsFor(
  push: PushContext,
  svc: Service,
  port: ServicePort,
  subset: Subset | undefined,
): Endpoint[] {
  return push.registry
    .endpoints(svc)
    .filter(
      (e) =>
        e.servicePort === port.port &&
        (!subset?.labels ||
          Object.keys(subset.labels).length === 0 ||
          selectorMatches(subset.labels, e.labels)),
    );
}

function lbEndpoint(e: Endpoint, grpc: boolean): Json {
  const out: Json = {
    endpoint: { address: socketAddress(e.address, e.port) },
    health_status: "HEALTHY",
    load_balancing_weight: e.weight,
  };
  if (!grpc) {
    const istio: Json = {};
    if (e.workload) istio.workload = e.workload;
    out.metadata = {
      filter_metadata: {
        "envoy.transport_socket_match": { tlsMode: e.tlsMode },
        ...(Object.keys(istio).length ? { istio } : {}),
      },
    };
  }
  return out;
}

function priorityOf(proxy: Locality, ep: Locality): number {
  if (proxy.region !== ep.region) return 3;
  if (proxy.zone !== ep.zone) return 2;
  if (proxy.subzone !== ep.subzone) return 1;
  return 0;
}

function localityGroups(
  eps: readonly Endpoint[],
  proxy: MeshProxy,
  failover: boolean,
  setting: LocalityLoadBalancerSetting | undefined,
  grpc: boolean,
): Json[] {
  const groups = new Map<string, Endpoint[]>();
  for (const e of eps) {
    const key = localityString(e.locality);
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const distribute = setting?.distribute?.find((d) =>
    localityMatches(d.from ?? "", proxy.locality),
  );
  const out: Json[] = [];
  for (const [key, list] of groups) {
    const l = list[0].locality;
    const weight = list.reduce((n, e) => n + e.weight, 0);
    const group: Json = {
      locality: { region: l.region, zone: l.zone, sub_zone: l.subzone },
      lb_endpoints: sortBy(list, (e) => `${e.address}:${e.port}`).map((e) => lbEndpoint(e, grpc)),
      // gRPC clients drop localities without a weight (grpc-xds probe, snag 12).
      load_balancing_weight: weight,
    };
    if (distribute?.to) {
      let share = 0;
      for (const [to, w] of Object.entries(distribute.to)) if (localityMatches(to, l)) share = w;
      group.load_balancing_weight = share;
      if (share === 0) continue;
    } else if (failover) {
      const p = failoverPriority(proxy.locality, l, setting);
      if (p > 0) group.priority = p;
    }
    out.push({ ...group, _key: key });
  }
  return sortBy(out, (g) => `${String(g.priority ?? 0).padStart(3, "0")}|${g._key}`).map(
    ({ _key, ...g }) => g,
  );
}

function failoverPriority(
  proxy: Locality,
  ep: Locality,
  setting: LocalityLoadBalancerSetting | undefined,
): number {
  const base = priorityOf(proxy, ep);
  // An explicit region failover (`from: us-east to: eu-west`) ranks that region just after the
  // proxy's own; other regions come last.
  const rule = setting?.failover?.find((f) => f.from === proxy.region);
  if (rule && base === 3) return ep.region === rule.to ? 3 : 4;
  return base;
}

/** `us-east/*`, `us-east/zone1/*` or an exact locality. */
function localityMatches(pattern: string, l: Locality): boolean {
  const parts = pattern.split("/");
  const actual = [l.region, l.zone, l.subzone];
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === "*") return true;
    if (parts[i] !== actual[i]) return false;
  }
  return true;
}

/** DNS clusters carry their (host name) endpoints inline. */
export function dnsLoadAssignment(
  name: string,
  push: PushContext,
  svc: Service,
  port: ServicePort,
  subset: Subset | undefined,
): Json {
  const eps = endpointsFor(push, svc, port, subset);
  const list = svc.resolution === "DNSRoundRobinLB" ? eps.slice(0, 1) : eps;
  return {
    cluster_name: name,
    endpoints: list.length
      ? [
          {
            locality: {},
            lb_endpoints: list.map((e) => ({
              endpoint: { address: socketAddress(e.address, e.port) },
              load_balancing_weight: e.weight,
            })),
            load_balancing_weight: list.reduce((n, e) => n + e.weight, 0),
          },
        ]
      : [],
  };
}
