// MeshConfig semantics (istio agent.ValidateMeshConfig): ports, timeouts, the default proxy
// config, locality load balancing, service settings, trust domains, mesh TLS; invalid extension
// providers are warnings, as Istio only logs them.

import type { Report } from "../diagnostic.ts";
import type { MeshConfig, MeshProxyConfig } from "../mesh-config.ts";
import { errs, parseDuration, validateDuration } from "./common.ts";
import {
  isDNS1123Label,
  isIPAddress,
  validateFQDN,
  validatePort,
  validateWildcardDomain,
} from "./names.ts";
import { validateLocalityLbSetting } from "./traffic-policy.ts";

const prefixed = (prefix: string, e: string | undefined) => (e ? `${prefix} ${e}` : undefined);

/** `host:port` with a valid port and an FQDN or IP host (istio ValidateProxyAddress). */
export function validateProxyAddress(addr: string): string | undefined {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):([^:]*)$/.exec(addr);
  if (!m) return `unable to split "${addr}": address ${addr}: missing port in address`;
  const host = m[1] ?? m[2];
  if (!/^\d+$/.test(m[3])) return `port (${m[3]}) is not a number`;
  const pe = validatePort(Number(m[3]));
  if (pe) return pe;
  if (validateFQDN(host) && !isIPAddress(host))
    return `"${host}" is not a valid hostname or an IP address`;
  return undefined;
}

function validateTrustDomain(domain: string): string | undefined {
  if (domain.length === 0) return "empty domain name not allowed";
  const parts = domain.split(".");
  for (let i = 0; i < parts.length; i++) {
    if (i === parts.length - 1 && parts[i] === "") return undefined;
    if (!isDNS1123Label(parts[i])) return `trust domain name "${domain}" invalid`;
  }
  return undefined;
}

function validateProxyConfig(pc: MeshProxyConfig, report: Report): void {
  const p = "defaultConfig";
  if (!pc.configPath) report.error(`${p}.configPath`, "config path must be set");
  if (!pc.binaryPath) report.error(`${p}.binaryPath`, "binary path must be set");
  if (pc.serviceCluster === "" && pc.tracingServiceName === undefined) {
    report.error(`${p}.serviceCluster`, "service cluster must be specified");
  }
  if (pc.drainDuration !== undefined) {
    const e = validateDuration(pc.drainDuration);
    if (e) report.error(`${p}.drainDuration`, `invalid drain duration: ${e}`);
    else if ((parseDuration(pc.drainDuration) ?? 0) % 1e9 !== 0) {
      report.error(`${p}.drainDuration`, "drain time only supports durations to seconds precision");
    }
  }
  if (!pc.discoveryAddress) {
    report.error(
      `${p}.discoveryAddress`,
      "discovery address must be set to the proxy discovery service",
    );
  } else {
    errs(
      report,
      `${p}.discoveryAddress`,
      prefixed("invalid discovery address:", validateProxyAddress(pc.discoveryAddress)),
    );
  }
  const zipkin = (pc.tracing as { zipkin?: { address?: string } } | undefined)?.zipkin;
  if (zipkin) {
    const addr = (zipkin.address ?? "").replace("$(HOST_IP)", "127.0.0.1");
    errs(
      report,
      `${p}.tracing.zipkin.address`,
      prefixed("invalid zipkin config:", validateProxyAddress(addr)),
    );
  }
  errs(
    report,
    `${p}.proxyAdminPort`,
    prefixed("invalid proxy admin port:", validatePort(pc.proxyAdminPort ?? 0)),
  );
  errs(
    report,
    `${p}.statusPort`,
    prefixed("invalid status port:", validatePort(pc.statusPort ?? 0)),
  );
  const policy = pc.controlPlaneAuthPolicy;
  if (policy !== undefined && policy !== "NONE" && policy !== "MUTUAL_TLS") {
    report.error(
      `${p}.controlPlaneAuthPolicy`,
      `invalid authentication policy: unrecognized control plane auth policy "${policy}"`,
    );
  }
  if ((pc.concurrency ?? 0) < 0)
    report.error(`${p}.concurrency`, "concurrency must be greater than or equal to 0");
}

const PROVIDER_SERVICES = [
  "envoyExtAuthzHttp",
  "envoyExtAuthzGrpc",
  "zipkin",
  "opentelemetry",
  "datadog",
  "skywalking",
  "lightstep",
  "envoyOtelAls",
  "envoyHttpAls",
  "envoyTcpAls",
] as const;

export function validateMeshConfig(mc: MeshConfig, report: Report): void {
  errs(
    report,
    "proxyListenPort",
    prefixed("invalid proxy listen port:", validatePort(mc.proxyListenPort)),
  );
  let e = validateDuration(mc.connectTimeout);
  if (!e) {
    const ns = parseDuration(mc.connectTimeout) ?? 0;
    if (ns > 3600e9) e = `time ${mc.connectTimeout} must be >1ms and <1h0m0s`;
  }
  errs(report, "connectTimeout", prefixed("invalid connect timeout:", e));
  const pdt = parseDuration(mc.protocolDetectionTimeout);
  if (pdt === undefined)
    report.error("protocolDetectionTimeout", `invalid duration "${mc.protocolDetectionTimeout}"`);
  else if (pdt !== 0 && Math.round(pdt) % 1e6 !== 0) {
    report.error(
      "protocolDetectionTimeout",
      "invalid protocol detection timeout: only durations to ms precision are supported",
    );
  }
  validateProxyConfig(mc.defaultConfig, report);
  validateLocalityLbSetting(mc.localityLbSetting, true, "localityLbSetting", report);
  mc.serviceSettings.forEach((s, i) => {
    for (const h of (s.hosts as string[] | undefined) ?? []) {
      const he = validateWildcardDomain(h);
      if (he)
        report.error(`serviceSettings[${i}].hosts`, `serviceSettings[${i}], host \`${h}\`: ${he}`);
    }
  });
  errs(report, "trustDomain", prefixed("trustDomain:", validateTrustDomain(mc.trustDomain)));
  mc.trustDomainAliases.forEach((tda, i) => {
    const te = validateTrustDomain(tda);
    if (te)
      report.error(
        `trustDomainAliases[${i}]`,
        `trustDomainAliases[${i}], domain \`${tda}\` : ${te}`,
      );
  });
  if (mc.meshMTLS?.ecdhCurves)
    report.error("meshMTLS.ecdhCurves", "mesh TLS does not support ECDH curves configuration");
  const names = new Set<string>();
  mc.extensionProviders.forEach((ep, i) => {
    const p = `extensionProviders[${i}]`;
    if (!ep.name) report.warning(`${p}.name`, "empty extension provider name");
    else if (names.has(ep.name))
      report.warning(`${p}.name`, `duplicate extension provider name ${ep.name}`);
    names.add(ep.name);
    for (const kind of PROVIDER_SERVICES) {
      const cfg = ep[kind] as { service?: string; port?: number } | undefined;
      if (!cfg) continue;
      if (!cfg.service) report.warning(`${p}.${kind}.service`, "service must not be empty");
      if (cfg.port !== undefined) {
        const pe = validatePort(cfg.port);
        if (pe) report.warning(`${p}.${kind}.port`, pe);
      }
    }
  });
}
