// The ports a sidecar's workload serves: one per distinct target port of the services that
// select it, with the protocol of the service port (what virtualInbound and inbound clusters use).

import type { MeshProxy } from "../../model/proxy.ts";
import type { PushContext } from "../../model/push-context.ts";
import { isHttp } from "../../registry/protocol.ts";
import type { Protocol, Service, ServicePort } from "../../registry/types.ts";
import { inboundClusterName, type Json } from "./common.ts";
import { hcmFilter, tcpProxyFilter } from "./filters.ts";
import type { WorkloadSecurity } from "./security.ts";

export interface InboundPort {
  readonly service: Service;
  readonly servicePort: ServicePort;
  readonly targetPort: number;
  readonly protocol: Protocol;
}

export function inboundPorts(proxy: MeshProxy, push: PushContext): InboundPort[] {
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
              decorator: { operation: `${ip.service.hostname}:${ip.servicePort.port}/*` },
            },
          ],
        },
      ],
      validate_clusters: false,
    },
  });
  return [hcm];
}
