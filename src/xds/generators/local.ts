// Sidecars without traffic capture (node metadata INTERCEPTION_MODE=NONE), as Istio's Sidecar
// resource expresses them: an inbound listener per served port bound to the pod IP whose
// `inbound|port||` cluster is the app (`ingress[].defaultEndpoint`, captureMode NONE), and an
// HTTP proxy listener (`egress[].port.protocol: HTTP_PROXY`) routing absolute-form requests.

import type { MeshProxy } from "../../model/proxy.ts";
import type { PushContext } from "../../model/push-context.ts";
import { MESH_GATEWAY } from "../../model/virtual-services.ts";
import { inboundClusterName, type Json, OUTBOUND_CAPTURE_PORT, socketAddress } from "./common.ts";
import { hcmFilter } from "./filters.ts";
import { inboundFilters, inboundPorts } from "./inbound.ts";
import { domainsFor, routesOverHttp, serviceRoutes } from "./rds.ts";
import type { RouteContext } from "./route.ts";
import { workloadSecurity } from "./security.ts";

/** Route configuration of the HTTP_PROXY listener. */
export const HTTP_PROXY_ROUTE = "http_proxy";

export function isLocalMode(proxy: MeshProxy): boolean {
  return proxy.interceptionMode === "NONE";
}

/** Inbound listeners on the pod IP and the HTTP proxy listener (pod IP, port 15001). */
export function localSidecarListeners(proxy: MeshProxy, push: PushContext): Json[] {
  const out: Json[] = [];
  const sec = workloadSecurity(proxy, push);
  for (const ip of inboundPorts(proxy, push)) {
    const cluster = inboundClusterName(ip.targetPort);
    const name = `${proxy.ip}_${ip.targetPort}`;
    const filters = inboundFilters(ip, `inbound_${name}`, sec);
    out.push({
      name,
      address: socketAddress(proxy.ip, ip.targetPort),
      traffic_direction: "INBOUND",
      filter_chains: [{ name: cluster, filters }],
    });
  }
  const proxyName = `${proxy.ip}_${OUTBOUND_CAPTURE_PORT}`;
  out.push({
    name: proxyName,
    address: socketAddress(proxy.ip, OUTBOUND_CAPTURE_PORT),
    traffic_direction: "OUTBOUND",
    filter_chains: [
      {
        name: proxyName,
        filters: [hcmFilter({ statPrefix: `outbound_${proxyName}`, rds: HTTP_PROXY_ROUTE })],
      },
    ],
  });
  return out;
}

/** Gateways without capture bind their `0.0.0.0_<port>` listeners to the pod IP. */
export function bindToPodIP(proxy: MeshProxy, listeners: Json[]): Json[] {
  for (const l of listeners) {
    const sa = (l.address as { socket_address?: { address?: string } } | undefined)?.socket_address;
    if (sa?.address === "0.0.0.0") sa.address = proxy.ip;
  }
  return listeners;
}

/** `inbound|port||` goes straight to the application's own address. */
export function localInboundCluster(proxy: MeshProxy, cluster: Json, port: number): Json {
  return staticInboundCluster(cluster, socketAddress(proxy.appIP ?? proxy.ip, port));
}

/** An inbound cluster with one fixed endpoint (no capture, or a Sidecar ingress endpoint). */
export function staticInboundCluster(cluster: Json, address: Json): Json {
  const out: Json = { ...cluster, type: "STATIC", lb_policy: "ROUND_ROBIN" };
  delete out.upstream_bind_config;
  out.load_assignment = {
    cluster_name: String(cluster.name),
    endpoints: [{ lb_endpoints: [{ endpoint: { address } }] }],
  };
  return out;
}

/**
 * Every visible HTTP service port under its `host:port` names (absolute-form requests carry the
 * port); port 80 also answers to the bare names. Routes are the mesh's, as outbound traffic gets.
 */
export function httpProxyRouteConfig(proxy: MeshProxy, push: PushContext): Json {
  const seen = new Set<string>();
  const vhosts: Json[] = [];
  for (const svc of push.servicesFor(proxy)) {
    for (const sp of svc.ports) {
      if (!routesOverHttp(sp)) continue;
      const domains = domainsFor(svc, sp.port, proxy.namespace)
        .filter((d) => sp.port === 80 || d.endsWith(`:${sp.port}`))
        .filter((d) => !seen.has(d));
      if (domains.length === 0) continue;
      for (const d of domains) seen.add(d);
      const ctx: RouteContext = { proxy, push, port: sp.port, gateway: MESH_GATEWAY };
      vhosts.push({
        name: `${svc.hostname}:${sp.port}`,
        domains,
        routes: serviceRoutes(ctx, svc, sp),
        include_request_attempt_count: true,
      });
    }
  }
  vhosts.sort((a, b) => String(a.name).localeCompare(String(b.name)));
  vhosts.push({
    name: "block_all",
    domains: ["*"],
    routes: [{ name: "block_all", match: { prefix: "/" }, direct_response: { status: 502 } }],
  });
  return { name: HTTP_PROXY_ROUTE, virtual_hosts: vhosts, validate_clusters: false };
}
