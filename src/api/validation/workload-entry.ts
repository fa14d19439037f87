// WorkloadEntry and WorkloadGroup semantics (istio ValidateWorkloadEntry/ValidateWorkloadGroup):
// address (IP, FQDN or unix socket), ports, labels; group metadata and readiness probe. The
// endpoint check is shared with ServiceEntry endpoints.

import type { Report } from "../diagnostic.ts";
import type { Resource } from "../resource.ts";
import type { WorkloadEntrySpec, WorkloadGroupSpec } from "../types/service-entry.ts";
import { errs, validateHTTPHeaderName } from "./common.ts";
import {
  isIPAddress,
  validateFQDN,
  validateLabels,
  validatePort,
  validatePortName,
  validateUnixAddress,
} from "./names.ts";

const UNIX = "unix://";

export function validateWorkloadEntry(r: Resource<WorkloadEntrySpec>, report: Report): void {
  checkEndpoint(r.spec, "spec", undefined, true, report);
}

/**
 * One endpoint. `servicePorts` (names) is set for ServiceEntry endpoints; `allowFQDN` is false for
 * STATIC resolution, which needs IPs.
 */
export function checkEndpoint(
  we: WorkloadEntrySpec,
  p: string,
  servicePorts: Set<string> | undefined,
  allowFQDN: boolean,
  report: Report,
): void {
  const addr = we.address ?? "";
  if (addr === "") {
    if (!we.network) {
      report.error(`${p}.address`, "address is required");
      return;
    }
    report.warning(`${p}.address`, `address is unset with network "${we.network}"`);
  }
  const unix = addr.startsWith(UNIX);
  if (unix) {
    errs(report, `${p}.address`, validateUnixAddress(addr.slice(UNIX.length)));
    if (Object.keys(we.ports ?? {}).length)
      report.error(`${p}.ports`, `unix endpoint ${addr} must not include ports`);
  } else if (addr !== "" && !isIPAddress(addr)) {
    if (!allowFQDN)
      report.error(`${p}.address`, `endpoint address "${addr}" is not a valid IP address`);
    else if (validateFQDN(addr))
      report.error(
        `${p}.address`,
        `endpoint address "${addr}" is not a valid FQDN or an IP address`,
      );
  }
  for (const [name, port] of Object.entries(we.ports ?? {})) {
    const pp = `${p}.ports[${name}]`;
    if (servicePorts && !servicePorts.has(name)) {
      report.error(pp, `endpoint port ${port} is not defined by the service entry`);
    }
    errs(report, pp, validatePortName(name), validatePort(port));
  }
  errs(report, `${p}.labels`, ...validateLabels(we.labels));
  if (unix && servicePorts && servicePorts.size !== 1) {
    report.error(p, "exactly 1 service port required for unix endpoints");
  }
}

export function validateWorkloadGroup(r: Resource<WorkloadGroupSpec>, report: Report): void {
  const wg = r.spec;
  if (!wg.template) {
    report.error("spec.template", "template is required");
    return;
  }
  // The template is not checked as a WorkloadEntry: address and ports are filled at registration.
  const labelErrs = validateLabels(wg.metadata?.labels);
  if (labelErrs.length) {
    report.error("spec.metadata.labels", `invalid labels: ${labelErrs.join("; ")}`);
    return;
  }
  const probe = wg.probe;
  if (!probe) return;
  const p = "spec.probe";
  for (const f of [
    "periodSeconds",
    "initialDelaySeconds",
    "timeoutSeconds",
    "successThreshold",
    "failureThreshold",
  ] as const) {
    if ((probe[f] ?? 0) < 0) report.error(`${p}.${f}`, `${f} must be non-negative`);
  }
  if (probe.httpGet) {
    const h = probe.httpGet;
    errs(report, `${p}.httpGet.port`, validatePort(h.port ?? 0));
    if (h.scheme && h.scheme !== "HTTP" && h.scheme !== "HTTPS") {
      report.error(`${p}.httpGet.scheme`, 'httpGet.scheme must be one of "HTTPS", "HTTP"');
    }
    h.httpHeaders?.forEach((hd, i) => {
      errs(report, `${p}.httpGet.httpHeaders[${i}].name`, validateHTTPHeaderName(hd?.name ?? ""));
    });
  } else if (probe.tcpSocket) {
    errs(report, `${p}.tcpSocket.port`, validatePort(probe.tcpSocket.port ?? 0));
  } else if (probe.exec) {
    if (!probe.exec.command?.length) report.error(`${p}.exec.command`, "exec.command is required");
  } else if (probe.grpc) {
    if (probe.grpc.port !== undefined)
      errs(report, `${p}.grpc.port`, validatePort(probe.grpc.port));
  } else {
    report.error(p, "unknown health check method <nil>");
  }
}
