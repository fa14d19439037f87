// The Kubernetes kinds the mesh reads, checked where Istio depends on them: Service ports (valid,
// unique, and named or typed so Istio can pick the protocol; istio analyzer IST0118's rule).

import type { Report } from "../diagnostic.ts";
import type { Resource } from "../resource.ts";
import type { ServiceSpec } from "../types/kubernetes.ts";
import { errs, parseProtocol } from "./common.ts";
import { isDNS1123Label, validatePort } from "./names.ts";

/** Ports that default to TCP without sniffing (pkg/config/kube/conversion.go). */
const WELL_KNOWN_TCP = new Set([25, 53, 3306, 27017]);

export function validateService(r: Resource<ServiceSpec>, report: Report): void {
  const ports = r.spec.ports ?? [];
  const names = new Set<string>();
  const numbers = new Set<string>();
  ports.forEach((port, i) => {
    const p = `spec.ports[${i}]`;
    if (!port) return;
    errs(report, `${p}.port`, validatePort(port.port));
    if (typeof port.targetPort === "number")
      errs(report, `${p}.targetPort`, validatePort(port.targetPort));
    if (ports.length > 1 && !port.name)
      report.error(`${p}.name`, "port name is required when a service has more than one port");
    if (port.name !== undefined) {
      if (!isDNS1123Label(port.name) || port.name !== port.name.toLowerCase()) {
        report.error(`${p}.name`, `invalid port name: ${port.name}`);
      }
      if (names.has(port.name)) report.error(`${p}.name`, `duplicate port name: ${port.name}`);
      names.add(port.name);
    }
    const key = `${port.port}/${port.protocol ?? "TCP"}`;
    if (numbers.has(key)) report.error(`${p}.port`, `duplicate port: ${key}`);
    numbers.add(key);
    if ((port.protocol ?? "TCP") === "TCP" && !port.appProtocol && !WELL_KNOWN_TCP.has(port.port)) {
      const prefix = (port.name ?? "").split("-")[0];
      if (
        !parseProtocol(prefix) &&
        !["grpc-web", "http_proxy"].includes((port.name ?? "").toLowerCase())
      ) {
        report.warning(
          `${p}.name`,
          `port name "${port.name ?? ""}" does not follow the Istio protocol naming convention <protocol>[-<suffix>] and has no appProtocol; the protocol will be detected`,
        );
      }
    }
  });
}
