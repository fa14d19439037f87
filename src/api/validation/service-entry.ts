// ServiceEntry semantics (istio ValidateServiceEntry): hosts, addresses and CIDRs vs resolution,
// unique port names and numbers, endpoints vs resolution (none for NONE, IPs for STATIC, at most
// one for DNS_ROUND_ROBIN), multiple hosts with plain TCP, exportTo.

import type { Report } from "../diagnostic.ts";
import type { Resource } from "../resource.ts";
import type { ServiceEntrySpec } from "../types/service-entry.ts";
import {
  checkExportTo,
  checkNetworkWorkloadSelector,
  errs,
  isHTTPProtocol,
  isTCPProtocol,
  isTLSProtocol,
  validateProtocol,
} from "./common.ts";
import {
  isIPAddress,
  partialWildcardWarning,
  validateFQDN,
  validateIPSubnet,
  validateLabels,
  validatePort,
  validatePortName,
  validateWildcardDomain,
} from "./names.ts";
import { checkEndpoint } from "./workload-entry.ts";

/** Opting out of DNS auto-allocation, as istio's ShouldV2AutoAllocateIP reads it. */
const AUTO_ALLOCATE_LABEL = "networking.istio.io/enable-autoallocate-ip";

export function validateServiceEntry(r: Resource<ServiceEntrySpec>, report: Report): void {
  const se = r.spec;
  const resolution = se.resolution ?? "NONE";
  const sel = se.workloadSelector;
  checkNetworkWorkloadSelector(sel, "service entry", report);
  if (sel && se.endpoints)
    report.error("spec", "only one of WorkloadSelector or Endpoints is allowed in Service Entry");
  const hosts = se.hosts ?? [];
  if (hosts.length === 0) report.error("spec.hosts", "service entry must have at least one host");
  hosts.forEach((h, i) => {
    if (h === "*") {
      report.error(`spec.hosts[${i}]`, `invalid host ${h}`);
      return;
    }
    errs(report, `spec.hosts[${i}]`, validateWildcardDomain(h));
    const w = partialWildcardWarning(h);
    if (w) report.warning(`spec.hosts[${i}]`, w);
  });
  let cidr = false;
  se.addresses?.forEach((a, i) => {
    if (typeof a !== "string") {
      report.error(`spec.addresses[${i}]`, `address must be a string, got ${JSON.stringify(a)}`);
      return;
    }
    cidr ||= a.includes("/");
    errs(report, `spec.addresses[${i}]`, validateIPSubnet(a));
  });
  if (cidr && resolution !== "NONE" && resolution !== "STATIC") {
    report.error(
      "spec.addresses",
      "CIDR addresses are allowed only for NONE/STATIC resolution types",
    );
  }
  const autoAllocate = r.metadata.labels?.[AUTO_ALLOCATE_LABEL] !== "false";
  const portNames = new Set<string>();
  const portNumbers = new Set<number>();
  se.ports?.forEach((port, i) => {
    const p = `spec.ports[${i}]`;
    if (!port) {
      report.error(p, "service entry port may not be null");
      return;
    }
    if (portNames.has(port.name))
      report.error(`${p}.name`, `service entry port name "${port.name}" already defined`);
    portNames.add(port.name);
    if (portNumbers.has(port.number))
      report.error(`${p}.number`, `service entry port ${port.number} already defined`);
    portNumbers.add(port.number);
    if (port.targetPort) {
      errs(report, `${p}.targetPort`, validatePort(port.targetPort));
      if (resolution === "NONE")
        report.warning(`${p}.targetPort`, "targetPort has no effect when resolution mode is NONE");
    }
    if (!se.addresses?.length && !autoAllocate && (!port.protocol || port.protocol === "TCP")) {
      report.warning(
        p,
        "addresses are required for ports serving TCP (or unset) protocol when ISTIO_META_DNS_AUTO_ALLOCATE is not set on a proxy",
      );
    }
    errs(report, `${p}.name`, validatePortName(port.name ?? ""));
    errs(report, `${p}.protocol`, validateProtocol(port.protocol));
    errs(report, `${p}.number`, validatePort(port.number));
  });

  switch (resolution) {
    case "NONE":
      if (se.endpoints?.length)
        report.error("spec.endpoints", "no endpoints should be provided for resolution type none");
      if (sel)
        report.warning(
          "spec.workloadSelector",
          "workloadSelector should not be set when resolution mode is NONE",
        );
      break;
    case "STATIC":
      se.endpoints?.forEach((ep, i) => {
        if (!ep) {
          report.error(`spec.endpoints[${i}]`, "endpoint cannot be nil");
          return;
        }
        checkEndpoint(ep, `spec.endpoints[${i}]`, portNames, false, report);
      });
      break;
    case "DNS":
    case "DNS_ROUND_ROBIN":
      if (!se.endpoints?.length) {
        hosts.forEach((h, i) => {
          if (validateFQDN(h)) {
            report.error(
              `spec.hosts[${i}]`,
              `hosts must be FQDN if no endpoints are provided for resolution mode ${resolution}`,
            );
          }
        });
      }
      if (resolution === "DNS_ROUND_ROBIN" && (se.endpoints?.length ?? 0) > 1) {
        report.error(
          "spec.endpoints",
          `there must only be 0 or 1 endpoint for resolution mode ${resolution}`,
        );
      }
      se.endpoints?.forEach((ep, i) => {
        const p = `spec.endpoints[${i}]`;
        if (!ep) {
          report.error(p, "endpoint cannot be nil");
          return;
        }
        const addr = ep.address ?? "";
        if (!isIPAddress(addr) && validateFQDN(addr)) {
          report.error(
            `${p}.address`,
            `endpoint address "${addr}" is not a valid FQDN or an IP address`,
          );
        }
        errs(report, `${p}.labels`, ...validateLabels(ep.labels));
        for (const [name, port] of Object.entries(ep.ports ?? {})) {
          if (!portNames.has(name))
            report.error(
              `${p}.ports[${name}]`,
              `endpoint port ${port} is not defined by the service entry`,
            );
          errs(report, `${p}.ports[${name}]`, validatePortName(name), validatePort(port));
        }
      });
      if (sel)
        report.warning(
          "spec.workloadSelector",
          `workloadSelector should not be set when resolution mode is ${resolution}`,
        );
      if (
        se.addresses?.length &&
        hosts.length > 1 &&
        se.ports?.some((p) => isTCPProtocol(p?.protocol))
      ) {
        report.warning(
          "spec.hosts",
          "service entry can not have more than one host specified simultaneously with address and tcp port",
        );
      }
      break;
    case "DYNAMIC_DNS":
      // Resolved per request from Host/SNI: only wildcard hosts make sense, endpoints are ignored.
      hosts.forEach((h, i) => {
        if (!h.startsWith("*"))
          report.warning(`spec.hosts[${i}]`, "DYNAMIC_DNS resolution is meant for wildcard hosts");
      });
      if (se.endpoints?.length)
        report.warning(
          "spec.endpoints",
          "endpoints are ignored when resolution mode is DYNAMIC_DNS",
        );
      break;
    default:
      report.error("spec.resolution", `unsupported resolution type ${String(resolution)}`);
  }
  if (resolution !== "NONE" && hosts.length > 1) {
    if (se.ports?.some((p) => p && !isHTTPProtocol(p.protocol) && !isTLSProtocol(p.protocol))) {
      report.error("spec.ports", "multiple hosts provided with non-HTTP, non-TLS ports");
    }
  }
  checkExportTo(r.metadata.namespace, se.exportTo, report, { serviceEntry: true });
}
