// The ports a sidecar's workload serves: one per distinct target port of the services that
// select it, with the protocol of the service port (what virtualInbound and inbound clusters use),
// or, when its Sidecar resource lists `ingress` listeners (captured mode), exactly those ports,
// each with its default endpoint, TLS and capture mode, as Istio builds inbound listeners from them.

import type { IstioIngressListener } from "../../api/types/index.ts";
import type { MeshProxy } from "../../model/proxy.ts";
import type { PushContext } from "../../model/push-context.ts";
import { isHttp, parseProtocol } from "../../registry/protocol.ts";
import type { Protocol, Service, ServicePort } from "../../registry/types.ts";
import { inboundClusterName, type Json, socketAddress } from "./common.ts";
import { hcmFilter, tcpProxyFilter } from "./filters.ts";
import type { WorkloadSecurity } from "./security.ts";

export interface InboundPort {
  /** The service the port serves; a Sidecar ingress port may serve none. */
  readonly service?: Service;
  readonly servicePort?: ServicePort;
  readonly targetPort: number;
  readonly protocol: Protocol;
  /** Set when the port comes from a Sidecar `ingress` listener. */
  readonly ingress?: IstioIngressListener;
}

export function inboundPorts(proxy: MeshProxy, push: PushContext): InboundPort[] {
  const served = servicePorts(proxy, push);
  const ingress = push.sidecarScope(proxy).spec?.ingress;
  if (!ingress?.length || proxy.interceptionMode === "NONE") return served;
  const out: InboundPort[] = [];
  for (const l of ingress) {
    const targetPort = l.port?.number;
    if (!targetPort || out.some((p) => p.targetPort === targetPort)) continue;
    const svc = served.find((p) => p.targetPort === targetPort);
    let protocol = parseProtocol(l.port.protocol);
    // The sidecar terminates the port's TLS: what is inside is HTTP (HTTPS) or TCP (TLS).
    if (l.tls && protocol === "HTTPS") protocol = "HTTP";
    else if (l.tls && protocol === "TLS") protocol = "TCP";
    out.push({
      service: svc?.service,
      servicePort: svc?.servicePort,
      targetPort,
      protocol,
      ingress: l,
    });
  }
  return out.sort((a, b) => a.targetPort - b.targetPort);
}

/**
 * Where a Sidecar ingress port forwards (`defaultEndpoint`): `127.0.0.1:8080` or `[::1]:8080`
 * (loopback), `0.0.0.0:8080` (the pod IP), `unix:///path` (a socket). Undefined without one:
 * the connection goes to its original destination.
 */
export function ingressEndpoint(proxy: MeshProxy, ip: InboundPort): Json | undefined {
  const ep = ip.ingress?.defaultEndpoint;
  if (!ep) return undefined;
  if (ep.startsWith("unix://")) return { pipe: { path: ep.slice("unix://".length) } };
  const colon = ep.lastIndexOf(":");
  const host = ep.slice(0, colon).replace(/^\[|\]$/g, "");
  const port = Number(ep.slice(colon + 1));
  return socketAddress(host === "0.0.0.0" ? proxy.ip : host, port);
}

function servicePorts(proxy: MeshProxy, push: PushContext): InboundPort[] {
  const w = proxy.workload;
  if (!w) return [];
  const byPort = new Map<number, InboundPort>();
  for (const service of push.registry.servicesOf(w)) {
    for (const sp of service.ports) {
      if (sp.protocol === "UDP") continue;
      const targetPort = sp.targetPortName
        ? w.ports[sp.targetPortName]
        : ((w.ports[sp.name] && w.kind === "WorkloadEntry" ? w.ports[sp.name] : undefined) ??
          sp.targetPort ??
          sp.port);
      if (targetPort === undefined || byPort.has(targetPort)) continue;
      byPort.set(targetPort, { service, servicePort: sp, targetPort, protocol: sp.protocol });
    }
  }
  return [...byPort.values()].sort((a, b) => a.targetPort - b.targetPort);
}

/**
 * The network filters that serve one inbound port: an HTTP connection manager (with the
 * workload's authn/authz HTTP filters) routing everything to `inbound|port||`, or network RBAC
 * and tcp_proxy for TCP ports. Captured and local-mode listeners share them.
 */
export function inboundFilters(ip: InboundPort, statPrefix: string, sec: WorkloadSecurity): Json[] {
  const cluster = inboundClusterName(ip.targetPort);
  if (!isHttp(ip.protocol) && ip.protocol !== "UNSUPPORTED")
    return [...sec.tcp, tcpProxyFilter(cluster, cluster)];
  const hcm = hcmFilter({
    statPrefix,
    security: sec.http,
    pathNormalization: sec.pathNormalization,
    routeConfig: {
      name: cluster,
      virtual_hosts: [
        {
          name: `inbound|http|${ip.targetPort}`,
          domains: ["*"],
          routes: [
            {
              name: "default",
              match: { prefix: "/" },
              route: {
                cluster,
                timeout: "0s",
                max_stream_duration: { max_stream_duration: "0s", grpc_timeout_header_max: "0s" },
              },
              decorator: { operation: inboundOperation(ip) },
            },
          ],
        },
      ],
      validate_clusters: false,
    },
  });
  return [hcm];
}

/** `reviews.default.svc.cluster.local:9080/*`; an ingress port without a service: `inbound|8080||`. */
function inboundOperation(ip: InboundPort): string {
  if (!ip.service || !ip.servicePort) return `${inboundClusterName(ip.targetPort)}/*`;
  return `${ip.service.hostname}:${ip.servicePort.port}/*`;
}
