// LDS for sidecars: `virtualOutbound` (15001, original destination → passthrough or blackhole),
// `virtualInbound` (15006, a filter chain per served port with mTLS as PeerAuthentication says),
// and the outbound per-port listeners `0.0.0.0_9080` (HTTP via RDS) and `<vip>_<port>` (TCP).

import { KIND } from "../../api/types/index.ts";
import { composePeerAuthentication, type EffectiveMode } from "../../model/peer-authentication.ts";
import type { MeshProxy } from "../../model/proxy.ts";
import type { PushContext } from "../../model/push-context.ts";
import { hostMatches } from "../../registry/hosts.ts";
import { isHttp } from "../../registry/protocol.ts";
import type { Service, ServicePort } from "../../registry/types.ts";
import {
  BLACKHOLE_CLUSTER,
  INBOUND_CAPTURE_PORT,
  INBOUND_PASSTHROUGH_CLUSTER,
  inboundClusterName,
  type Json,
  OUTBOUND_CAPTURE_PORT,
  outboundClusterName,
  PASSTHROUGH_CLUSTER,
  socketAddress,
  sortBy,
  VIRTUAL_INBOUND,
  VIRTUAL_OUTBOUND,
} from "./common.ts";
import {
  HCM_FILTER,
  HTTP_INSPECTOR,
  hcmFilter,
  istioServerTls,
  ORIGINAL_DST,
  TLS_INSPECTOR,
  tcpProxyFilter,
} from "./filters.ts";
import { buildGatewayListeners, serverTls } from "./gateway-listeners.ts";
import { buildGrpcListeners } from "./grpc.ts";
import { type InboundPort, inboundFilters, inboundPorts } from "./inbound.ts";
import { bindToPodIP, isLocalMode, localSidecarListeners } from "./local.ts";
import { routesOverHttp } from "./rds.ts";
import { destinationCluster } from "./route.ts";
import { type WorkloadSecurity, workloadSecurity } from "./security.ts";

export function buildListeners(
  proxy: MeshProxy,
  push: PushContext,
  names?: readonly string[],
): Json[] {
  if (proxy.generator === "grpc") return buildGrpcListeners(proxy, push, names ?? []);
  const listeners = envoyListeners(proxy, push);
  return proxy.http10 ? listeners.map(acceptHttp10) : listeners;
}

function envoyListeners(proxy: MeshProxy, push: PushContext): Json[] {
  if (proxy.type === "router") {
    const listeners = buildGatewayListeners(proxy, push);
    return isLocalMode(proxy) ? bindToPodIP(proxy, listeners) : listeners;
  }
  if (isLocalMode(proxy)) return sortBy(localSidecarListeners(proxy, push), (l) => String(l.name));
  const policy = push.sidecarScope(proxy).outboundTrafficPolicy;
  const fallback = policy === "REGISTRY_ONLY" ? BLACKHOLE_CLUSTER : PASSTHROUGH_CLUSTER;
  const out: Json[] = [
    virtualOutbound(fallback),
    virtualInbound(proxy, push),
    ...uncapturedIngressListeners(proxy, push),
    ...sharedOutboundListeners(proxy, push, fallback),
  ];
  return sortBy(out, (l) => String(l.name));
}

/**
 * Istio's HTTP10 node metadata: every HTTP connection manager of the listener accepts HTTP/1.0
 * (otherwise answered 426). A copy: generated objects may be shared with other proxies.
 */
function acceptHttp10(listener: Json): Json {
  const chains = listener.filter_chains as Json[] | undefined;
  if (!chains?.some((c) => (c.filters as Json[]).some((f) => f.name === HCM_FILTER)))
    return listener;
  return {
    ...listener,
    filter_chains: chains.map((c) => ({
      ...c,
      filters: (c.filters as Json[]).map((f) =>
        f.name === HCM_FILTER
          ? {
              ...f,
              typed_config: {
                ...(f.typed_config as Json),
                http_protocol_options: { accept_http_10: true },
              },
            }
          : f,
      ),
    })),
  };
}

function virtualOutbound(fallback: string): Json {
  return {
    name: VIRTUAL_OUTBOUND,
    address: socketAddress("0.0.0.0", OUTBOUND_CAPTURE_PORT),
    use_original_dst: true,
    traffic_direction: "OUTBOUND",
    filter_chains: [
      { name: "virtualOutbound-catchall-tcp", filters: [tcpProxyFilter(fallback, fallback)] },
    ],
  };
}

type MtlsMode = EffectiveMode;

/** The port's mode as Istio composes PeerAuthentications (UNSET inherits the level above). */
function mtlsMode(proxy: MeshProxy, push: PushContext, port: number): MtlsMode {
  const pa = composePeerAuthentication(push.policiesFor(KIND.PeerAuthentication, proxy));
  return pa.perPort.get(port) ?? pa.mode;
}

function inboundChains(
  proxy: MeshProxy,
  push: PushContext,
  ip: InboundPort,
  sec: WorkloadSecurity,
): Json[] {
  const mode = mtlsMode(proxy, push, ip.targetPort);
  const cluster = inboundClusterName(ip.targetPort);
  const filters = inboundFilters(ip, `inbound_0.0.0.0_${ip.targetPort}`, sec);
  const tls = ip.ingress?.tls;
  if (tls) {
    // A Sidecar ingress port with its own TLS terminates it instead of the mesh's mTLS.
    return [
      {
        name: cluster,
        filter_chain_match: { destination_port: ip.targetPort, transport_protocol: "tls" },
        filters,
        transport_socket: serverTls(tls),
      },
    ];
  }
  const chains: Json[] = [];
  if (mode !== "DISABLE") {
    chains.push({
      name: `${cluster}-tls`,
      filter_chain_match: { destination_port: ip.targetPort, transport_protocol: "tls" },
      filters,
      transport_socket: istioServerTls(),
    });
  }
  if (mode !== "STRICT") {
    chains.push({
      name: cluster,
      filter_chain_match: { destination_port: ip.targetPort, transport_protocol: "raw_buffer" },
      filters,
    });
  }
  return chains;
}

function virtualInbound(proxy: MeshProxy, push: PushContext): Json {
  const chains: Json[] = [
    {
      name: "virtualInbound-blackhole",
      filter_chain_match: { destination_port: INBOUND_CAPTURE_PORT },
      filters: [tcpProxyFilter(BLACKHOLE_CLUSTER, BLACKHOLE_CLUSTER)],
    },
  ];
  const sec = workloadSecurity(proxy, push);
  for (const ip of inboundPorts(proxy, push)) {
    if (ip.ingress?.captureMode !== "NONE") chains.push(...inboundChains(proxy, push, ip, sec));
  }
  chains.push({
    name: "virtualInbound",
    filter_chain_match: { prefix_ranges: [{ address_prefix: "0.0.0.0", prefix_len: 0 }] },
    filters: [tcpProxyFilter(INBOUND_PASSTHROUGH_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER)],
  });
  return {
    name: VIRTUAL_INBOUND,
    address: socketAddress("0.0.0.0", INBOUND_CAPTURE_PORT),
    traffic_direction: "INBOUND",
    listener_filters: [ORIGINAL_DST, TLS_INSPECTOR],
    filter_chains: chains,
  };
}

/**
 * Sidecar ingress ports with captureMode NONE are not reached through virtualInbound: they get
 * their own listener bound to `bind` (default 0.0.0.0) and the port, as Istio builds them.
 */
function uncapturedIngressListeners(proxy: MeshProxy, push: PushContext): Json[] {
  const out: Json[] = [];
  const sec = workloadSecurity(proxy, push);
  for (const ip of inboundPorts(proxy, push)) {
    if (ip.ingress?.captureMode !== "NONE") continue;
    const bind = ip.ingress.bind ?? "0.0.0.0";
    const name = `${bind}_${ip.targetPort}`;
    const chain: Json = {
      name: inboundClusterName(ip.targetPort),
      filters: inboundFilters(ip, `inbound_${name}`, sec),
    };
    if (ip.ingress.tls) chain.transport_socket = serverTls(ip.ingress.tls);
    out.push({
      name,
      address: socketAddress(bind, ip.targetPort),
      traffic_direction: "INBOUND",
      filter_chains: [chain],
    });
  }
  return out;
}

/**
 * The outbound listeners read the services and VirtualServices the proxy's namespace and Sidecar
 * let it see (and its labels only where config selects by label), not its workload: one set per
 * scope and snapshot, shared by its sidecars (with their hashes and encodings). Never mutated
 * afterwards (EnvoyFilter patches and HTTP/1.0 acceptance copy).
 */
function sharedOutboundListeners(proxy: MeshProxy, push: PushContext, fallback: string): Json[] {
  const key = [
    "lds-outbound",
    proxy.namespace,
    push.sidecarScope(proxy).sidecar ?? "",
    push.labelScope(proxy),
    fallback,
  ].join("|");
  return push.memoise(key, () => outboundListeners(proxy, push, fallback));
}

function outboundListeners(proxy: MeshProxy, push: PushContext, fallback: string): Json[] {
  const services = push.servicesFor(proxy);
  const httpPorts = new Map<number, ServicePort[]>();
  const tcp = new Map<string, { svc: Service; port: ServicePort }[]>();
  for (const svc of services) {
    for (const p of svc.ports) {
      if (p.protocol === "UDP") continue;
      if (routesOverHttp(p)) httpPorts.set(p.port, [...(httpPorts.get(p.port) ?? []), p]);
      if (!isHttp(p.protocol)) {
        const key = `${svc.address}_${p.port}`;
        tcp.set(key, [...(tcp.get(key) ?? []), { svc, port: p }]);
      }
    }
  }
  const out: Json[] = [];
  for (const [port, ports] of httpPorts) {
    const name = `0.0.0.0_${port}`;
    const hcm = hcmFilter({ statPrefix: `outbound_${name}`, rds: String(port) });
    const listener: Json = {
      name,
      address: socketAddress("0.0.0.0", port),
      bind_to_port: false,
      traffic_direction: "OUTBOUND",
    };
    const sniffed = ports.some((p) => p.protocol === "UNSUPPORTED");
    if (!sniffed) {
      listener.filter_chains = [{ name, filters: [hcm] }];
    } else {
      // Auto-detection: HTTP goes to the route config, anything else to the TCP target.
      const tcpTargets = tcp.get(`0.0.0.0_${port}`) ?? [];
      const tcpCluster =
        tcpTargets.length === 1
          ? outboundClusterName(port, "", tcpTargets[0].svc.hostname)
          : fallback;
      listener.listener_filters = [TLS_INSPECTOR, HTTP_INSPECTOR];
      listener.listener_filters_timeout = "0.1s";
      listener.continue_on_listener_filters_timeout = true;
      listener.filter_chains = [
        {
          name: `${name}-http`,
          filter_chain_match: {
            transport_protocol: "raw_buffer",
            application_protocols: ["http/1.1", "h2c"],
          },
          filters: [hcm],
        },
      ];
      listener.default_filter_chain = {
        name: `${name}-tcp`,
        filters: [tcpProxyFilter(tcpCluster, tcpCluster)],
      };
      tcp.delete(`0.0.0.0_${port}`);
    }
    out.push(listener);
  }
  for (const [key, targets] of tcp) {
    if (key.startsWith("0.0.0.0_") && httpPorts.has(targets[0].port.port)) continue;
    out.push(tcpListener(proxy, push, key, targets, fallback));
  }
  return out;
}

/** A TCP/TLS listener: VirtualService tcp/tls routes if any, else straight to the service. */
function tcpListener(
  proxy: MeshProxy,
  push: PushContext,
  name: string,
  targets: { svc: Service; port: ServicePort }[],
  fallback: string,
): Json {
  const port = targets[0].port.port;
  const address = name.slice(0, name.lastIndexOf("_"));
  const ctx = { proxy, push, port, gateway: "mesh" };
  const chains: Json[] = [];
  const tlsLike = targets.every((t) => t.port.protocol === "TLS" || t.port.protocol === "HTTPS");
  for (const { svc } of targets) {
    const vs = push
      .virtualServicesFor(proxy)
      .find((v) => v.hosts.some((h) => hostMatches(h, svc.hostname)));
    const route =
      vs?.spec.tcp?.find(
        (r) => !r.match?.length || r.match.some((m) => m.port === undefined || m.port === port),
      )?.route ?? undefined;
    let cluster: string | { name: string; weight: number }[] = outboundClusterName(
      port,
      "",
      svc.hostname,
    );
    if (route?.length === 1) cluster = destinationCluster(route[0].destination, ctx);
    else if (route && route.length > 1) {
      cluster = route.map((d) => ({
        name: destinationCluster(d.destination, ctx),
        weight: d.weight ?? 0,
      }));
    }
    const statPrefix =
      typeof cluster === "string" ? cluster : outboundClusterName(port, "", svc.hostname);
    const chain: Json = { filters: [tcpProxyFilter(statPrefix, cluster)] };
    // Several TLS services sharing an address are told apart by SNI.
    if (targets.length > 1 && tlsLike) chain.filter_chain_match = { server_names: [svc.hostname] };
    chains.push(chain);
    if (targets.length > 1 && !tlsLike) break;
  }
  const listener: Json = {
    name,
    address: socketAddress(address, port),
    bind_to_port: false,
    traffic_direction: "OUTBOUND",
    filter_chains: chains,
  };
  if (targets.length > 1 && tlsLike) {
    listener.listener_filters = [TLS_INSPECTOR];
    listener.default_filter_chain = { filters: [tcpProxyFilter(fallback, fallback)] };
  }
  return listener;
}
