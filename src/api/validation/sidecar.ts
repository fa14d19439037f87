// Sidecar semantics (istio ValidateSidecar): selector labels, non-empty configuration, ingress
// ports/binds/default endpoints/TLS, egress listeners (one catch-all, last) and `ns/host` hosts,
// outbound traffic policy.

import type { Report } from "../diagnostic.ts";
import type { Resource } from "../resource.ts";
import type { SidecarSpec } from "../types/sidecar.ts";
import { checkNetworkWorkloadSelector, errs, isHTTPProtocol, validateProtocol } from "./common.ts";
import {
  validateFQDN,
  validateIPAddress,
  validateNamespaceSlashWildcardHostname,
  validatePort,
  validatePortName,
  validateUnixAddress,
} from "./names.ts";
import { validateServerTLS } from "./server-tls.ts";
import { validateConnectionPool } from "./traffic-policy.ts";
import { validateDestination } from "./virtual-service-http.ts";

const UNIX = "unix://";
const LOCAL_HOSTS = new Set(["127.0.0.1", "0.0.0.0", "::1", "::"]);

export function validateSidecar(r: Resource<SidecarSpec>, report: Report): void {
  const sc = r.spec;
  checkNetworkWorkloadSelector(sc.workloadSelector, "sidecar", report);
  if (
    !sc.egress?.length &&
    !sc.ingress?.length &&
    !sc.outboundTrafficPolicy &&
    !sc.inboundConnectionPool
  ) {
    report.error("spec", "sidecar: empty configuration provided");
    return;
  }
  const ingressPorts = new Set<number>();
  sc.ingress?.forEach((i, n) => {
    const p = `spec.ingress[${n}]`;
    if (!i) {
      report.error(p, "sidecar: ingress may not be null");
      return;
    }
    if (!i.port) {
      report.error(`${p}.port`, "sidecar: port is required for ingress listeners");
      return;
    }
    if ((i.port.targetPort ?? 0) > 0)
      report.error(`${p}.port.targetPort`, "targetPort has no impact on Sidecars");
    if (i.port.name) errs(report, `${p}.port.name`, validatePortName(i.port.name));
    errs(report, `${p}.port.protocol`, validateProtocol(i.port.protocol));
    errs(report, `${p}.port.number`, validatePort(i.port.number ?? 0));
    if (i.bind) errs(report, `${p}.bind`, validateIPAddress(i.bind));
    if (ingressPorts.has(i.port.number ?? 0)) {
      report.error(`${p}.port.number`, "sidecar: ports on IP bound listeners must be unique");
    }
    ingressPorts.add(i.port.number ?? 0);
    if (i.defaultEndpoint) checkDefaultEndpoint(i.defaultEndpoint, `${p}.defaultEndpoint`, report);
    if (i.tls) {
      const tp = `${p}.tls`;
      if (i.tls.subjectAltNames?.length)
        report.error(tp, "sidecar: subjectAltNames is not supported in ingress tls");
      if (i.tls.httpsRedirect) report.error(tp, "sidecar: httpsRedirect is not supported");
      if (i.tls.credentialName)
        report.error(tp, "sidecar: credentialName is not currently supported");
      if (i.tls.mode === "ISTIO_MUTUAL" || i.tls.mode === "AUTO_PASSTHROUGH") {
        report.error(
          tp,
          `configuration is invalid: cannot set mode to ${i.tls.mode} in sidecar ingress tls`,
        );
      }
      validateServerTLS(i.tls, tp, report);
    }
    validateConnectionPool(i.connectionPool, `${p}.connectionPool`, report);
    if (i.connectionPool?.http && !isHTTPProtocol(i.port.protocol)) {
      report.warning(
        `${p}.connectionPool.http`,
        `sidecar: HTTP connection pool settings are configured for port ${i.port.number} ("${i.port.name ?? ""}") but its protocol is not HTTP (${i.port.protocol ?? ""}); only TCP settings will apply`,
      );
    }
  });
  validateConnectionPool(sc.inboundConnectionPool, "spec.inboundConnectionPool", report);
  validateEgress(r, report);
  const otp = sc.outboundTrafficPolicy;
  if (otp?.egressProxy) {
    const p = "spec.outboundTrafficPolicy.egressProxy";
    if ((otp.mode ?? "REGISTRY_ONLY") !== "ALLOW_ANY") {
      report.error(
        p,
        "sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode",
      );
      return;
    }
    errs(report, `${p}.host`, validateFQDN(otp.egressProxy.host ?? ""));
    if (!otp.egressProxy.port) {
      report.error(`${p}.port`, "sidecar: egress_proxy port must be non-nil");
      return;
    }
    validateDestination(otp.egressProxy, p, report);
  }
}

function checkDefaultEndpoint(ep: string, p: string, report: Report): void {
  if (ep.startsWith(UNIX)) {
    errs(report, p, validateUnixAddress(ep.slice(UNIX.length)));
    return;
  }
  const m = /^(?:\[([^\]]*)\]|([^:]*)):([^:]*)$/.exec(ep);
  if (!m) {
    report.error(p, `address ${ep}: missing port in address`);
    return;
  }
  const host = m[1] ?? m[2];
  if (host !== "" && !LOCAL_HOSTS.has(host)) {
    report.error(
      p,
      "sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset",
    );
  }
  if (!/^\d+$/.test(m[3]))
    report.error(p, `sidecar: defaultEndpoint port (${m[3]}) is not a number`);
  else errs(report, p, validatePort(Number(m[3])));
}

function validateEgress(r: Resource<SidecarSpec>, report: Report): void {
  const egress = r.spec.egress ?? [];
  const ports = new Set<number>();
  const uds = new Set<string>();
  let catchAll = false;
  egress.forEach((e, n) => {
    const p = `spec.egress[${n}]`;
    if (!e) {
      report.error(p, "egress listener may not be null");
      return;
    }
    if (!e.port) {
      if (catchAll) {
        report.error(p, "sidecar: egress can have only one listener with empty port");
        return;
      }
      if (n === egress.length - 1) catchAll = true;
      else
        report.error(
          p,
          "sidecar: the egress listener with empty port should be the last listener in the list",
        );
    } else {
      const port = e.port;
      if ((port.targetPort ?? 0) > 0)
        report.error(`${p}.port.targetPort`, "targetPort has no impact on Sidecars");
      if (port.name) errs(report, `${p}.port.name`, validatePortName(port.name));
      errs(report, `${p}.port.protocol`, validateProtocol(port.protocol));
      const bind = e.bind ?? "";
      if (!port.number) {
        if (!bind.startsWith(UNIX)) {
          report.error(
            `${p}.bind`,
            "sidecar: ports with 0 value must have a unix domain socket bind address",
          );
        } else {
          errs(report, `${p}.bind`, validateUnixAddress(bind.slice(UNIX.length)));
        }
        if (e.captureMode && e.captureMode !== "DEFAULT" && e.captureMode !== "NONE") {
          report.error(
            `${p}.captureMode`,
            "sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners",
          );
        }
        if (uds.has(bind))
          report.error(
            `${p}.bind`,
            "sidecar: unix domain socket values for listeners must be unique",
          );
        uds.add(bind);
      } else {
        errs(report, `${p}.port.number`, validatePort(port.number));
        if (bind) errs(report, `${p}.bind`, validateIPAddress(bind));
        if (ports.has(port.number))
          report.error(`${p}.port.number`, "sidecar: ports on IP bound listeners must be unique");
        ports.add(port.number);
      }
    }
    if (!e.hosts?.length) {
      report.error(`${p}.hosts`, "sidecar: egress listener must contain at least one host");
      return;
    }
    const byNs = new Map<string, Set<string>>();
    e.hosts.forEach((h, i) => {
      const hp = `${p}.hosts[${i}]`;
      const slash = h.indexOf("/");
      if (slash >= 0) {
        const ns = h.slice(0, slash) === "." ? (r.metadata.namespace ?? ".") : h.slice(0, slash);
        const svc = h.slice(slash + 1);
        const set = byNs.get(ns) ?? new Set<string>();
        byNs.set(ns, set);
        if (svc !== "*" ? set.has(svc) || set.has("*") : set.size !== 0) {
          report.warning(hp, `duplicated egress host: ${h}`);
        }
        set.add(svc);
      }
      errs(report, hp, ...validateNamespaceSlashWildcardHostname(h, false));
    });
    if (byNs.get("*")?.has("*") && byNs.size !== 1) {
      report.warning(`${p}.hosts`, "`*/*` host select all resources, no other hosts can be added");
    }
  });
}
