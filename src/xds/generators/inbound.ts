// The ports a sidecar's workload serves: one per distinct target port of the services that
// select it, with the protocol of the service port (what virtualInbound and inbound clusters use).

import type { MeshProxy } from "../../model/proxy.ts";
import type { PushContext } from "../../model/push-context.ts";
import type { Protocol, Service, ServicePort } from "../../registry/types.ts";

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
