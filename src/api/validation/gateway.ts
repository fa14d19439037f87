// Istio Gateway semantics (istio ValidateGateway): DNS-label name, at least one server, server
// hosts `ns/host`, ports and protocols, bind addresses, TLS settings per protocol, unique port
// names, and one protocol per port number.

import type { Report } from "../diagnostic.ts";
import type { Resource } from "../resource.ts";
import type { GatewaySpec, Server } from "../types/gateway.ts";
import { errs, isHTTPProtocol, isTLSProtocol, parseProtocol } from "./common.ts";
import {
  isDNS1123Label,
  validateIPAddress,
  validateNamespaceSlashWildcardHostname,
  validatePort,
  validateUnixAddress,
} from "./names.ts";
import { validateServerTLS } from "./server-tls.ts";

const UNIX = "unix://";

export function validateGateway(r: Resource<GatewaySpec>, report: Report): void {
  if (!isDNS1123Label(r.metadata.name))
    report.error("metadata.name", `invalid gateway name: "${r.metadata.name}"`);
  const servers = r.spec.servers ?? [];
  if (servers.length === 0) report.error("spec.servers", "gateway must have at least one server");
  const portNames = new Set<string>();
  const protocolByPort = new Map<string, string>();
  servers.forEach((s, i) => {
    const p = `spec.servers[${i}]`;
    if (!s) {
      report.error(p, "server may not be null");
      return;
    }
    validateServer(s, p, report);
    if (!s.port) return;
    if (portNames.has(s.port.name)) {
      report.error(
        `${p}.port.name`,
        `port names in servers must be unique: duplicate name ${s.port.name}`,
      );
    }
    portNames.add(s.port.name);
    if (!isHTTPProtocol(s.port.protocol) && s.tls?.httpsRedirect) {
      report.warning(
        `${p}.tls.httpsRedirect`,
        "tls.httpsRedirect should only be used with http servers",
      );
    }
    // Servers sharing a port (and bind) become one listener, which speaks one protocol family.
    const key = `${s.bind ?? ""}:${s.port.number}`;
    const family = protocolFamily(s.port.protocol);
    const prior = protocolByPort.get(key);
    if (prior !== undefined && family !== undefined && prior !== family) {
      report.warning(
        `${p}.port.protocol`,
        `port ${s.port.number} is used by servers with conflicting protocols (${prior} and ${family})`,
      );
    } else if (prior === undefined && family !== undefined) {
      protocolByPort.set(key, family);
    }
  });
}

/**
 * Plain-text HTTP, TLS (HTTPS and TLS servers share a port by SNI) and other TCP cannot share a
 * listener; Istio keeps the first and drops the others, so this is a warning as in pilot.
 */
function protocolFamily(protocol: string | undefined): string | undefined {
  const v = parseProtocol(protocol);
  if (v === undefined) return undefined;
  if (isHTTPProtocol(v)) return "HTTP";
  return isTLSProtocol(v) ? "TLS" : "TCP";
}

function validateServer(s: Server, p: string, report: Report): void {
  if (!s.hosts?.length) {
    report.error(`${p}.hosts`, "server config must contain at least one host");
  } else {
    s.hosts.forEach((h, i) => {
      errs(report, `${p}.hosts[${i}]`, ...validateNamespaceSlashWildcardHostname(h, true));
    });
  }
  let portOK = true;
  const port = s.port;
  if (!port) {
    report.error(`${p}.port`, "port is required");
    portOK = false;
  } else {
    if (!parseProtocol(port.protocol)) {
      report.error(
        `${p}.port.protocol`,
        `invalid protocol "${port.protocol}", supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP`,
      );
      portOK = false;
    }
    if (port.number > 0 || !(s.bind ?? "").startsWith(UNIX)) {
      const e = validatePort(port.number ?? 0);
      if (e) {
        report.error(`${p}.port.number`, e);
        portOK = false;
      }
    }
    if ((port.targetPort ?? 0) > 0)
      report.error(`${p}.port.targetPort`, "targetPort has no impact on Gateways");
    if (!port.name) {
      report.error(`${p}.port.name`, `port name must be set: ${JSON.stringify(port)}`);
      portOK = false;
    }
  }
  if (s.bind?.startsWith(UNIX)) {
    errs(report, `${p}.bind`, validateUnixAddress(s.bind.slice(UNIX.length)));
    if (port && port.number !== 0) {
      report.error(`${p}.port.number`, "port number must be 0 for unix domain socket");
    }
  } else if (s.bind) {
    errs(report, `${p}.bind`, validateIPAddress(s.bind));
  }
  validateServerTLS(s.tls, `${p}.tls`, report);
  if (!portOK || !port) return;
  if (isTLSProtocol(port.protocol) && !s.tls) {
    report.error(`${p}.tls`, "server must have TLS settings for HTTPS/TLS protocols");
  } else if (!isTLSProtocol(port.protocol) && s.tls) {
    if (isHTTPProtocol(port.protocol)) {
      // Only an httpsRedirect is meaningful on a plain-text HTTP server.
      const passthrough = (s.tls.mode ?? "PASSTHROUGH") === "PASSTHROUGH";
      if (!passthrough || s.tls.caCertificates || s.tls.privateKey || s.tls.serverCertificate) {
        report.error(`${p}.tls`, "server cannot have TLS settings for plain text HTTP ports");
      }
    } else {
      report.error(`${p}.tls`, "server cannot have TLS settings for non HTTPS/TLS ports");
    }
  }
}
