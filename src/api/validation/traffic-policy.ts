// DestinationRule traffic policies (istio validateTrafficPolicy and agent.ValidateTLS): load
// balancer and locality settings, connection pools, outlier detection, client TLS, port-level
// settings, tunnel and PROXY protocol. Sidecars reuse the connection-pool checks.

import type { Report } from "../diagnostic.ts";
import type {
  ClientTLSSettings,
  ConnectionPoolSettings,
  LoadBalancerSettings,
  LocalityLoadBalancerSetting,
  OutlierDetection,
  PortTrafficPolicy,
  TrafficPolicy,
} from "../types/destination-rule.ts";
import { errs, validateDuration } from "./common.ts";
import { validateFQDN, validateIPAddress, validatePort } from "./names.ts";

export function validateTrafficPolicy(
  tp: TrafficPolicy | undefined,
  p: string,
  report: Report,
): void {
  if (!tp) return;
  if (
    !tp.outlierDetection &&
    !tp.connectionPool &&
    !tp.loadBalancer &&
    !tp.tls &&
    !tp.portLevelSettings &&
    !tp.tunnel &&
    !tp.proxyProtocol &&
    !tp.retryBudget
  ) {
    report.error(p, "traffic policy must have at least one field");
    return;
  }
  if (tp.tunnel && tp.proxyProtocol) {
    report.error(p, "tunnel and proxyProtocol must not be set together");
    return;
  }
  validatePolicySettings(tp, p, report);
  tp.portLevelSettings?.forEach((pl, i) => {
    validatePortTrafficPolicy(pl, `${p}.portLevelSettings[${i}]`, report);
  });
  const t = tp.tunnel;
  if (t) {
    if (t.protocol && t.protocol !== "CONNECT" && t.protocol !== "POST") {
      report.error(`${p}.tunnel.protocol`, 'tunnel protocol must be "CONNECT" or "POST"');
    }
    const fqdn = validateFQDN(t.targetHost ?? "");
    const ip = validateIPAddress(t.targetHost ?? "");
    if (fqdn && ip) {
      report.error(
        `${p}.tunnel.targetHost`,
        `tunnel target host must be valid FQDN or IP address: ${fqdn}; ${ip}`,
      );
    }
    const pe = validatePort(t.targetPort ?? 0);
    if (pe) report.error(`${p}.tunnel.targetPort`, `tunnel target port is invalid: ${pe}`);
  }
}

function validatePortTrafficPolicy(pl: PortTrafficPolicy, p: string, report: Report): void {
  if (!pl) {
    report.error(p, "traffic policy may not be null");
    return;
  }
  if (!pl.port) report.error(`${p}.port`, "portTrafficPolicy must have valid port");
  else if (pl.port.number !== undefined)
    errs(report, `${p}.port.number`, validatePort(pl.port.number));
  if (!pl.outlierDetection && !pl.connectionPool && !pl.loadBalancer && !pl.tls) {
    report.error(p, "port traffic policy must have at least one field");
    return;
  }
  validatePolicySettings(pl, p, report);
}

/** The settings a traffic policy and its port-level overrides share. */
function validatePolicySettings(
  s: Pick<PortTrafficPolicy, "outlierDetection" | "connectionPool" | "loadBalancer" | "tls">,
  p: string,
  report: Report,
): void {
  validateOutlierDetection(s.outlierDetection, `${p}.outlierDetection`, report);
  validateConnectionPool(s.connectionPool, `${p}.connectionPool`, report);
  validateLoadBalancer(
    s.loadBalancer,
    s.outlierDetection !== undefined,
    `${p}.loadBalancer`,
    report,
  );
  validateClientTLS(s.tls, `${p}.tls`, report);
}

function validateOutlierDetection(
  o: OutlierDetection | undefined,
  p: string,
  report: Report,
): void {
  if (!o) return;
  if (o.baseEjectionTime !== undefined)
    errs(report, `${p}.baseEjectionTime`, validateDuration(o.baseEjectionTime));
  if (o.interval !== undefined) errs(report, `${p}.interval`, validateDuration(o.interval));
  if (o.consecutiveErrors) {
    report.warning(
      `${p}.consecutiveErrors`,
      "outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead",
    );
  }
  if (!o.splitExternalLocalOriginErrors && (o.consecutiveLocalOriginFailures ?? 0) > 0) {
    report.error(
      `${p}.consecutiveLocalOriginFailures`,
      "outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false",
    );
  }
  for (const f of ["maxEjectionPercent", "minHealthPercent"] as const) {
    const v = o[f];
    if (v !== undefined && (v < 0 || v > 100))
      report.error(`${p}.${f}`, `percentage ${v} is not in range 0..100`);
  }
}

export function validateConnectionPool(
  cp: ConnectionPoolSettings | undefined,
  p: string,
  report: Report,
): void {
  if (!cp) return;
  if (!cp.http && !cp.tcp) {
    report.error(p, "connection pool must have at least one field");
    return;
  }
  const h = cp.http;
  if (h) {
    const neg: [keyof typeof h, string][] = [
      ["http1MaxPendingRequests", "http1 max pending requests must be non-negative"],
      ["http2MaxRequests", "http2 max requests must be non-negative"],
      ["maxRequestsPerConnection", "max requests per connection must be non-negative"],
      ["maxRetries", "max retries must be non-negative"],
      ["maxConcurrentStreams", "max concurrent streams must be non-negative"],
    ];
    for (const [f, msg] of neg)
      if (((h[f] as number | undefined) ?? 0) < 0) report.error(`${p}.http.${f}`, msg);
    if (h.idleTimeout !== undefined)
      errs(report, `${p}.http.idleTimeout`, validateDuration(h.idleTimeout));
    if (h.h2UpgradePolicy === "UPGRADE" && h.useClientProtocol) {
      report.error(
        `${p}.http`,
        "use client protocol must not be true when H2UpgradePolicy is UPGRADE",
      );
    }
  }
  const t = cp.tcp;
  if (t) {
    if ((t.maxConnections ?? 0) < 0)
      report.error(`${p}.tcp.maxConnections`, "max connections must be non-negative");
    for (const f of ["connectTimeout", "maxConnectionDuration", "idleTimeout"] as const) {
      const v = t[f];
      if (v !== undefined) errs(report, `${p}.tcp.${f}`, validateDuration(v));
    }
    const ka = t.tcpKeepalive;
    if (ka?.time !== undefined)
      errs(report, `${p}.tcp.tcpKeepalive.time`, validateDuration(ka.time));
    if (ka?.interval !== undefined)
      errs(report, `${p}.tcp.tcpKeepalive.interval`, validateDuration(ka.interval));
  }
}

/** Envoy's check: maglev table sizes must be prime. */
function isPrime(x: number): boolean {
  if (x !== 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  for (let f = 3; f * f <= x; f += 2) if (x % f === 0) return false;
  return true;
}

function validateLoadBalancer(
  lb: LoadBalancerSettings | undefined,
  hasOutlier: boolean,
  p: string,
  report: Report,
): void {
  if (!lb) return;
  const ch = lb.consistentHash;
  if (ch) {
    const cp = `${p}.consistentHash`;
    if (ch.httpCookie && !ch.httpCookie.name)
      report.error(`${cp}.httpCookie.name`, "name required for HttpCookie");
    if (ch.minimumRingSize) {
      report.warning(
        `${cp}.minimumRingSize`,
        "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead",
      );
      if (ch.ringHash || ch.maglev)
        report.error(cp, "only one of MinimumRingSize or Maglev/Ringhash can be specified");
    }
    if (ch.maglev) {
      const size = ch.maglev.tableSize ?? 0;
      if (size === 0) report.error(`${cp}.maglev.tableSize`, "tableSize must be set for maglev");
      if (size >= 5000011)
        report.error(`${cp}.maglev.tableSize`, "tableSize must be less than 5000011 for maglev");
      if (!isPrime(size))
        report.error(`${cp}.maglev.tableSize`, "tableSize must be a prime number for maglev");
    }
  }
  validateLocalityLbSetting(lb.localityLbSetting, hasOutlier, `${p}.localityLbSetting`, report);
  if (lb.warmupDurationSecs !== undefined)
    errs(report, `${p}.warmupDurationSecs`, validateDuration(lb.warmupDurationSecs));
  if (lb.warmup?.duration !== undefined)
    errs(report, `${p}.warmup.duration`, validateDuration(lb.warmup.duration));
}

const TOPOLOGY_LABELS = new Set([
  "topology.kubernetes.io/region",
  "topology.kubernetes.io/zone",
  "topology.istio.io/subzone",
]);

/**
 * istio agent.ValidateLocalityLbSetting, which stops at the first problem of most kinds. Also
 * used for MeshConfig.localityLbSetting (with `hasOutlier` true, as Istio does there).
 */
export function validateLocalityLbSetting(
  lb: LocalityLoadBalancerSetting | undefined,
  hasOutlier: boolean,
  p: string,
  report: Report,
): void {
  if (!lb) return;
  if (lb.distribute?.length && lb.failover?.length) {
    report.error(p, "can not simultaneously specify 'distribute' and 'failover'");
    return;
  }
  if (lb.failover?.length) {
    for (const label of lb.failoverPriority ?? []) {
      if (TOPOLOGY_LABELS.has(label)) {
        report.error(
          p,
          `can not simultaneously set 'failover' and topology label '${label}' in 'failover_priority'`,
        );
        return;
      }
    }
  }
  const sources: string[] = [];
  for (const [i, d] of (lb.distribute ?? []).entries()) {
    const dp = `${p}.distribute[${i}]`;
    sources.push(d.from ?? "");
    let total = 0;
    for (const [loc, w] of Object.entries(d.to ?? {})) {
      if (w <= 0 || w > 100) {
        report.error(`${dp}.to[${loc}]`, "locality weight must be in range [1, 100]");
        return;
      }
      total += w;
    }
    if (total !== 100) {
      report.error(`${dp}.to`, `total locality weight ${total} != 100`);
      return;
    }
    errs(report, `${dp}.to`, validateLocalities(Object.keys(d.to ?? {})));
  }
  errs(report, `${p}.distribute`, validateLocalities(sources));
  if ((lb.failover?.length || lb.failoverPriority?.length) && !hasOutlier) {
    report.warning(p, "outlier detection policy must be provided for failover");
  }
  lb.failover?.forEach((f, i) => {
    const fp = `${p}.failover[${i}]`;
    if (f.from === f.to)
      report.error(fp, "locality lb failover settings must specify different regions");
    if (f.from?.includes("/") || f.to?.includes("/"))
      report.error(fp, "locality lb failover only specify region");
    if (f.from?.includes("*") || f.to?.includes("*")) {
      report.error(fp, "locality lb failover region should not contain '*' wildcard");
    }
  });
}

/** Localities (`region/zone/subzone`, `*` only at the end) that do not overlap. */
function validateLocalities(localities: string[]): string | undefined {
  // region -> zone -> subzone, "*" meaning "all of them".
  const seen = new Map<string, Map<string, Set<string>>>();
  const overlap = (loc: string) => `locality ${loc} overlap with previous specified ones`;
  for (const loc of localities) {
    const stars = loc.split("*").length - 1;
    if (stars > 0 && (stars > 1 || !loc.endsWith("*"))) {
      return `locality ${loc} wildcard '*' number can not exceed 1 and must be in the end`;
    }
    if (seen.has("*")) return overlap(loc);
    const items = loc.split("/");
    if (items.length > 3) items.splice(2, items.length - 2, items.slice(2).join("/"));
    if (items.some((x) => x === ""))
      return `locality ${loc} must not contain empty region/zone/subzone info`;
    const [region, zone, sub] = items;
    const zones = seen.get(region);
    if (items.length === 1) {
      if (zones) return overlap(loc);
      seen.set(region, new Map([["*", new Set(["*"])]]));
    } else if (!zones) {
      seen.set(region, new Map([[zone, new Set([items.length === 2 ? "*" : sub])]]));
    } else {
      if (zones.has("*")) return overlap(loc);
      const subs = zones.get(zone);
      if (items.length === 2) {
        if (subs) return overlap(loc);
        zones.set(zone, new Set(["*"]));
      } else if (!subs) {
        zones.set(zone, new Set([sub]));
      } else {
        if (subs.has("*") || subs.has(sub)) return overlap(loc);
        subs.add(sub);
      }
    }
  }
  return undefined;
}

export function validateClientTLS(
  tls: ClientTLSSettings | undefined,
  p: string,
  report: Report,
): void {
  if (!tls) return;
  if (tls.insecureSkipVerify) {
    if (
      tls.mode === "SIMPLE" &&
      (tls.caCertificates || tls.credentialName || tls.subjectAltNames)
    ) {
      report.error(
        p,
        "cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true",
      );
    }
    if (tls.mode === "MUTUAL" && (tls.caCertificates || tls.subjectAltNames)) {
      report.error(
        p,
        "cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true",
      );
    }
  }
  if ((tls.mode === "SIMPLE" || tls.mode === "MUTUAL") && tls.credentialName) {
    if (tls.clientCertificate || tls.caCertificates || tls.privateKey || tls.caCrl) {
      report.error(
        p,
        "cannot specify client certificates or CA certificate or CA CRL If credentialName is set",
      );
    }
    return;
  }
  if (tls.mode === "MUTUAL") {
    if (!tls.clientCertificate)
      report.error(`${p}.clientCertificate`, "client certificate required for mutual tls");
    if (!tls.privateKey) report.error(`${p}.privateKey`, "private key required for mutual tls");
  }
}
