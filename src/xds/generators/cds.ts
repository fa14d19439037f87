// CDS: Istio's clusters for a proxy. Outbound `outbound|port|subset|host` per visible service
// port and DestinationRule subset, inbound `inbound|port||` per port the workload serves, and
// the PassthroughCluster / BlackHoleCluster / InboundPassthroughCluster specials.

import type { Subset } from "../../api/types/index.ts";
import { TYPE_URL } from "../../envoy/index.ts";
import type { MergedDestinationRule } from "../../model/destination-rules.ts";
import type { MeshProxy } from "../../model/proxy.ts";
import type { PushContext } from "../../model/push-context.ts";
import { isHttp2 } from "../../registry/protocol.ts";
import type { Service, ServicePort } from "../../registry/types.ts";
import { applyTrafficPolicy, effectivePolicy } from "./cluster-policy.ts";
import {
  adsConfigSource,
  BLACKHOLE_CLUSTER,
  duration,
  INBOUND_PASSTHROUGH_CLUSTER,
  inboundClusterName,
  istioConfigRef,
  type Json,
  outboundClusterName,
  PASSTHROUGH_CLUSTER,
  sniDnatClusterName,
  sortBy,
  typed,
} from "./common.ts";
import { dnsLoadAssignment } from "./eds.ts";
import { inboundPorts, ingressEndpoint } from "./inbound.ts";
import { isLocalMode, localInboundCluster, staticInboundCluster } from "./local.ts";

export function buildClusters(proxy: MeshProxy, push: PushContext): Json[] {
  const grpc = proxy.generator === "grpc";
  const out: Json[] = [];
  for (const svc of push.servicesFor(proxy)) {
    const dr = push.destinationRule(proxy, svc);
    for (const port of svc.ports) {
      if (port.protocol === "UDP") continue;
      out.push(sharedOutboundCluster(proxy, push, svc, port, dr, undefined));
      for (const subset of dr?.spec.subsets ?? []) {
        out.push(sharedOutboundCluster(proxy, push, svc, port, dr, subset));
      }
    }
  }
  if (grpc) return sortBy(out, (c) => String(c.name));
  if (proxy.type === "router") out.push(...sniDnatClusters(proxy, push));
  out.push(blackHole(), passthrough(push));
  if (proxy.type === "sidecar") {
    out.push(inboundPassthrough(push));
    for (const ip of inboundPorts(proxy, push)) {
      const cluster = inboundCluster(push, ip.targetPort, ip.service);
      const endpoint = ingressEndpoint(proxy, ip);
      if (isLocalMode(proxy)) out.push(localInboundCluster(proxy, cluster, ip.targetPort));
      else if (endpoint) out.push(staticInboundCluster(cluster, endpoint));
      else out.push(cluster);
    }
  }
  return sortBy(out, (c) => String(c.name));
}

/**
 * An outbound cluster reads the service, port, subset, merged DestinationRule and generator, not
 * the workload: one object per snapshot for every proxy (its hash and encoding are then made once
 * too, see ResourceCache). Never mutated afterwards (EnvoyFilter patches copy).
 */
function sharedOutboundCluster(
  proxy: MeshProxy,
  push: PushContext,
  svc: Service,
  port: ServicePort,
  dr: MergedDestinationRule | undefined,
  subset: Subset | undefined,
): Json {
  const key = [
    "cds",
    proxy.generator ?? "",
    svc.namespace,
    svc.hostname,
    port.port,
    subset?.name ?? "",
    dr?.from.join(",") ?? "",
  ].join("|");
  return push.memoise(key, () => outboundCluster(proxy, push, svc, port, dr, subset));
}

export function outboundCluster(
  proxy: MeshProxy,
  push: PushContext,
  svc: Service,
  port: ServicePort,
  dr: MergedDestinationRule | undefined,
  subset: Subset | undefined,
  name = outboundClusterName(port.port, subset?.name ?? "", svc.hostname),
): Json {
  const grpc = proxy.generator === "grpc";
  const cluster: Json = { name };
  switch (svc.resolution) {
    case "ClientSideLB":
      cluster.type = "EDS";
      cluster.eds_cluster_config = { eds_config: adsConfigSource(), service_name: name };
      break;
    case "DNSLB":
    case "DNSRoundRobinLB":
      // gRPC clients know LOGICAL_DNS only.
      cluster.type = svc.resolution === "DNSLB" && !grpc ? "STRICT_DNS" : "LOGICAL_DNS";
      cluster.dns_lookup_family = "V4_ONLY";
      cluster.dns_refresh_rate = duration(push.mesh.dnsRefreshRate) ?? "60s";
      cluster.respect_dns_ttl = true;
      cluster.load_assignment = dnsLoadAssignment(name, push, svc, port, subset);
      break;
    case "Passthrough":
      cluster.type = "ORIGINAL_DST";
      break;
  }
  applyTrafficPolicy(cluster, effectivePolicy(dr?.spec.trafficPolicy, subset, port.port), {
    http2: isHttp2(port.protocol),
    grpc,
    autoMtls: push.mesh.enableAutoMtls,
    istioSni: `outbound_.${port.port}_.${subset?.name ?? ""}_.${svc.hostname}`,
    connectTimeout: duration(push.mesh.connectTimeout) ?? "10s",
    meshExternal: svc.meshExternal,
    localityLbSetting: push.mesh.localityLbSetting,
  });
  if (cluster.type === "ORIGINAL_DST") cluster.lb_policy = "CLUSTER_PROVIDED";
  const istio: Json = {
    services: [{ host: svc.hostname, name: svc.name, namespace: svc.namespace }],
    default_original_port: port.port,
  };
  if (subset) istio.subset = subset.name;
  if (dr) {
    const [ns, n] = dr.from[0].split("/");
    istio.config = istioConfigRef("destination-rule", ns, n);
  }
  cluster.metadata = { filter_metadata: { istio } };
  return cluster;
}

function blackHole(): Json {
  return { name: BLACKHOLE_CLUSTER, type: "STATIC", connect_timeout: "10s" };
}

function passthrough(push: PushContext): Json {
  return {
    name: PASSTHROUGH_CLUSTER,
    type: "ORIGINAL_DST",
    connect_timeout: duration(push.mesh.connectTimeout) ?? "10s",
    lb_policy: "CLUSTER_PROVIDED",
    circuit_breakers: {
      thresholds: [
        {
          max_connections: 102400,
          max_pending_requests: 102400,
          max_requests: 102400,
          max_retries: 1024,
          track_remaining: true,
        },
      ],
    },
    typed_extension_protocol_options: {
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": typed(
        TYPE_URL.HTTP_PROTOCOL_OPTIONS,
        {
          use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} },
        },
      ),
    },
  };
}

/** Inbound clusters connect to the workload from 127.0.0.6 so iptables does not recapture. */
function inboundPassthrough(push: PushContext): Json {
  return {
    name: INBOUND_PASSTHROUGH_CLUSTER,
    type: "ORIGINAL_DST",
    connect_timeout: duration(push.mesh.connectTimeout) ?? "10s",
    lb_policy: "CLUSTER_PROVIDED",
    upstream_bind_config: { source_address: { address: "127.0.0.6", port_value: 0 } },
  };
}

function inboundCluster(push: PushContext, port: number, svc: Service | undefined): Json {
  return {
    name: inboundClusterName(port),
    type: "ORIGINAL_DST",
    connect_timeout: duration(push.mesh.connectTimeout) ?? "10s",
    lb_policy: "CLUSTER_PROVIDED",
    circuit_breakers: {
      thresholds: [
        {
          max_connections: 4294967295,
          max_pending_requests: 4294967295,
          max_requests: 4294967295,
          max_retries: 4294967295,
          track_remaining: true,
        },
      ],
    },
    upstream_bind_config: { source_address: { address: "127.0.0.6", port_value: 0 } },
    metadata: {
      filter_metadata: {
        istio: {
          services: svc ? [{ host: svc.hostname, name: svc.name, namespace: svc.namespace }] : [],
        },
      },
    },
  };
}

/** AUTO_PASSTHROUGH gateway servers route on SNI to `outbound_.port_.subset_.host` clusters. */
function sniDnatClusters(proxy: MeshProxy, push: PushContext): Json[] {
  const auto = push
    .gatewaysFor(proxy)
    .some((g) => g.servers.some((s) => s.tls?.mode === "AUTO_PASSTHROUGH"));
  if (!auto) return [];
  const out: Json[] = [];
  for (const svc of push.servicesFor(proxy)) {
    if (svc.meshExternal) continue;
    const dr = push.destinationRule(proxy, svc);
    for (const port of svc.ports) {
      for (const subset of [undefined, ...(dr?.spec.subsets ?? [])]) {
        const name = sniDnatClusterName(port.port, subset?.name ?? "", svc.hostname);
        const c = outboundCluster(proxy, push, svc, port, dr, subset, name);
        // The gateway forwards the client's mTLS untouched.
        delete c.transport_socket;
        delete c.transport_socket_matches;
        out.push(c);
      }
    }
  }
  return out;
}
