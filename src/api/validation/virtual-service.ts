// VirtualService semantics (istio ValidateVirtualService): hosts (FQDN or wildcard, `*` only on
// gateways, no duplicates), delegates, gateway names, JWT claim routes only on gateways, each
// HTTP/TLS/TCP route, exportTo, and the unreachable-rule warnings.

import type { Report } from "../diagnostic.ts";
import type { Resource } from "../resource.ts";
import type {
  HTTPMatchRequest,
  TCPRoute,
  TLSRoute,
  VirtualServiceSpec,
} from "../types/virtual-service.ts";
import { checkExportTo, errs } from "./common.ts";
import {
  isIPAddress,
  validateIPSubnet,
  validateLabels,
  validatePort,
  validateWildcardDomain,
} from "./names.ts";
import {
  hostSubsetOf,
  hostsMatch,
  MESH_GATEWAY,
  validateGatewayNames,
} from "./virtual-service-gateways.ts";
import {
  isJwtClaimKey,
  validateHTTPRoute,
  validateRouteDestinations,
} from "./virtual-service-http.ts";
import { warnOverlappingPrefixes } from "./virtual-service-overlap.ts";

export function validateVirtualService(r: Resource<VirtualServiceSpec>, report: Report): void {
  const vs = r.spec;
  const hosts = vs.hosts ?? [];
  const isDelegate = hosts.length === 0;
  if (isDelegate) {
    if (vs.gateways?.length) {
      report.error("spec.gateways", "delegate virtual service must have no gateways specified");
    }
    if (vs.tls?.length)
      report.error("spec.tls", "delegate virtual service must have no tls route specified");
    if (vs.tcp?.length)
      report.error("spec.tcp", "delegate virtual service must have no tcp route specified");
  }

  let appliesToMesh = true;
  let appliesToGateway = false;
  if (vs.gateways?.length) {
    validateGatewayNames(vs.gateways, "spec.gateways", report);
    appliesToGateway = !vs.gateways.includes(MESH_GATEWAY);
    appliesToMesh = !appliesToGateway;
  }

  if (!appliesToGateway) {
    vs.http?.forEach((h, i) => {
      h?.match?.forEach((m, j) => {
        for (const f of ["headers", "withoutHeaders"] as const) {
          for (const key of Object.keys(m?.[f] ?? {})) {
            if (isJwtClaimKey(key)) {
              report.error(
                `spec.http[${i}].match[${j}].${f}[${key}]`,
                `JWT claim based routing (key: ${key}) is only supported for gateway, found no gateways: [${(vs.gateways ?? []).join(" ")}]`,
              );
            }
          }
        }
      });
    });
  }

  let allHostsValid = true;
  hosts.forEach((h, i) => {
    const err = validateWildcardDomain(h);
    if (err) {
      if (!isIPAddress(h)) {
        report.error(`spec.hosts[${i}]`, err);
        allHostsValid = false;
      }
    } else if (appliesToMesh && h === "*") {
      report.error(
        `spec.hosts[${i}]`,
        "wildcard host * is not allowed for virtual services bound to the mesh gateway",
      );
      allHostsValid = false;
    }
  });
  if (allHostsValid) {
    for (let i = 0; i < hosts.length; i++) {
      for (let j = i + 1; j < hosts.length; j++) {
        if (hostsMatch(hosts[i], hosts[j])) {
          report.error(
            `spec.hosts[${j}]`,
            `duplicate hosts in virtual service: ${hosts[i]} & ${hosts[j]}`,
          );
        }
      }
    }
  }

  if (!vs.http?.length && !vs.tcp?.length && !vs.tls?.length) {
    report.error("spec", "http, tcp or tls must be provided in virtual service");
  }
  vs.http?.forEach((h, i) => {
    if (!h) {
      report.error(`spec.http[${i}]`, "http route may not be null");
      return;
    }
    validateHTTPRoute(h, `spec.http[${i}]`, isDelegate, report);
  });
  vs.tls?.forEach((t, i) => {
    validateTLSRoute(t, `spec.tls[${i}]`, hosts, appliesToGateway, report);
  });
  vs.tcp?.forEach((t, i) => {
    validateTCPRoute(t, `spec.tcp[${i}]`, report);
  });
  checkExportTo(r.metadata.namespace, vs.exportTo, report);
  const duplicates = warnUnreachable(vs.http, "spec.http", report);
  warnOverlappingPrefixes(vs.http, "spec.http", (i, j) => duplicates.has(`${i}/${j}`), report);
  warnUnreachable(vs.tcp, "spec.tcp", report);
  warnUnreachable(vs.tls, "spec.tls", report);
}

function validateTLSRoute(
  tls: TLSRoute,
  p: string,
  hosts: string[],
  appliesToGateway: boolean,
  report: Report,
): void {
  if (!tls) return;
  if (!tls.match?.length) report.error(p, "TLS route must have at least one match condition");
  tls.match?.forEach((m, i) => {
    const mp = `${p}.match[${i}]`;
    if (!m) {
      report.error(mp, "TLS match may not be null");
      return;
    }
    if (!m.sniHosts?.length) {
      report.error(`${mp}.sniHosts`, "TLS match must have at least one SNI host");
    } else {
      m.sniHosts.forEach((sni, j) => {
        const sp = `${mp}.sniHosts[${j}]`;
        const err = appliesToGateway && sni === "*" ? undefined : validateWildcardDomain(sni);
        if (err) {
          if (isIPAddress(sni)) {
            report.warning(
              sp,
              `using an IP address ("${sni}") goes against SNI spec and most clients do not support this`,
            );
          } else {
            report.error(sp, err);
          }
          return;
        }
        if (!hosts.some((h) => hostSubsetOf(sni, h))) {
          report.error(
            sp,
            `SNI host "${sni}" is not a compatible subset of any of the virtual service hosts: [${hosts.join(", ")}]`,
          );
        }
      });
    }
    m.destinationSubnets?.forEach((s, j) => {
      errs(report, `${mp}.destinationSubnets[${j}]`, validateIPSubnet(s));
    });
    if (m.port) errs(report, `${mp}.port`, validatePort(m.port));
    errs(report, `${mp}.sourceLabels`, ...validateLabels(m.sourceLabels));
    validateGatewayNames(m.gateways, `${mp}.gateways`, report);
  });
  if (!tls.route?.length) report.error(`${p}.route`, "TLS route is required");
  validateRouteDestinations(tls.route, `${p}.route`, report);
}

function validateTCPRoute(tcp: TCPRoute, p: string, report: Report): void {
  if (!tcp) return;
  tcp.match?.forEach((m, i) => {
    const mp = `${p}.match[${i}]`;
    if (!m) {
      report.error(mp, "tcp match may not be nil");
      return;
    }
    m.destinationSubnets?.forEach((s, j) => {
      errs(report, `${mp}.destinationSubnets[${j}]`, validateIPSubnet(s));
    });
    if (m.sourceSubnet) errs(report, `${mp}.sourceSubnet`, validateIPSubnet(m.sourceSubnet));
    if (m.port) errs(report, `${mp}.port`, validatePort(m.port));
    errs(report, `${mp}.sourceLabels`, ...validateLabels(m.sourceLabels));
    validateGatewayNames(m.gateways, `${mp}.gateways`, report);
  });
  if (!tcp.route?.length) report.error(`${p}.route`, "TCP route is required");
  validateRouteDestinations(tcp.route, `${p}.route`, report);
}

/** A canonical form of a match without its name, to find repeated matches. */
function matchKey(m: unknown): string {
  const { name: _name, ...rest } = (m ?? {}) as HTTPMatchRequest;
  return JSON.stringify(rest, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Istio's analyzeUnreachable*Rules: warnings, never errors. Returns the repeated matches. */
function warnUnreachable(
  routes: { name?: string; match?: unknown[] }[] | undefined,
  p: string,
  report: Report,
): Set<string> {
  const repeated = new Set<string>();
  if (!routes) return repeated;
  const seen = new Map<string, number>();
  let emptySeen = false;
  const routeName = (i: number) => (routes[i]?.name ? `"${routes[i].name}"` : `#${i}`);
  routes.forEach((route, i) => {
    if (!route) return;
    if (!route.match?.length) {
      if (emptySeen) {
        report.warning(
          `${p}[${i}]`,
          `virtualService rule ${routeName(i)} not used (only the last rule can have no matches)`,
        );
      }
      emptySeen = true;
      return;
    }
    let dups = 0;
    route.match.forEach((m, j) => {
      const key = matchKey(m);
      const prior = seen.get(key);
      if (prior !== undefined) {
        const mname = (m as { name?: string })?.name;
        report.warning(
          `${p}[${i}].match[${j}]`,
          `virtualService rule ${routeName(i)} match ${mname ? `"${mname}"` : `#${j}`} is not used (duplicate/overlapping match in rule ${routeName(prior)})`,
        );
        dups++;
        repeated.add(`${i}/${j}`);
      } else {
        seen.set(key, i);
      }
    });
    if (dups === route.match.length) {
      report.warning(
        `${p}[${i}]`,
        `virtualService rule ${routeName(i)} not used (all matches used by prior rules)`,
      );
    }
  });
  return repeated;
}
