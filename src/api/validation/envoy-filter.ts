// EnvoyFilter semantics (istio pkg/config/validation/envoyfilter): the standing warning, the
// selector, and each config patch
// has applyTo, patch, operation and (except REMOVE) a value; the proxy-version regex compiles;
// applyTo agrees with the match kind; filter/sub-filter matches name what they match. The patch
// value is not checked against Envoy's protos (Istio does so with its Go proto registry).

import { RE2JS } from "re2js";
import type { Report } from "../diagnostic.ts";
import type { Resource } from "../resource.ts";
import type { EnvoyFilterSpec } from "../types/envoy-filter.ts";
import { checkNetworkWorkloadSelector } from "./common.ts";

const LISTENER_CLASS = new Set(["LISTENER", "FILTER_CHAIN", "NETWORK_FILTER", "HTTP_FILTER"]);
const ROUTE_CLASS = new Set(["ROUTE_CONFIGURATION", "VIRTUAL_HOST", "HTTP_ROUTE"]);
const HCM = new Set([
  "envoy.filters.network.http_connection_manager",
  "envoy.http_connection_manager",
]);
/** Old filter names Envoy still resolves (istio xds.ReverseDeprecatedFilterNames, the common ones). */
export const DEPRECATED_FILTER_NAMES: Readonly<Record<string, string>> = {
  "envoy.http_connection_manager": "envoy.filters.network.http_connection_manager",
  "envoy.tcp_proxy": "envoy.filters.network.tcp_proxy",
  "envoy.router": "envoy.filters.http.router",
  "envoy.cors": "envoy.filters.http.cors",
  "envoy.fault": "envoy.filters.http.fault",
  "envoy.lua": "envoy.filters.http.lua",
};

export function validateEnvoyFilter(r: Resource<EnvoyFilterSpec>, report: Report): void {
  const ef = r.spec;
  report.warning(
    "spec",
    "EnvoyFilter exposes internal implementation details that may change at any time. Prefer other APIs if possible, and exercise extreme caution, especially around upgrades.",
  );
  checkNetworkWorkloadSelector(ef.workloadSelector, "Envoy filter", report);
  ef.configPatches?.forEach((cp, i) => {
    const p = `spec.configPatches[${i}]`;
    if (!cp) {
      report.error(p, "Envoy filter: null config patch");
      return;
    }
    if (!cp.applyTo || cp.applyTo === "INVALID") {
      report.error(`${p}.applyTo`, "Envoy filter: missing applyTo");
      return;
    }
    if (!cp.patch) {
      report.error(`${p}.patch`, "Envoy filter: missing patch");
      return;
    }
    const op = cp.patch.operation;
    if (!op || op === "INVALID") {
      report.error(`${p}.patch.operation`, "Envoy filter: missing patch operation");
      return;
    }
    if (op !== "REMOVE" && cp.patch.value === undefined) {
      report.error(
        `${p}.patch.value`,
        "Envoy filter: missing patch value for non-remove operation",
      );
      return;
    }
    const version = cp.match?.proxy?.proxyVersion;
    if (version) {
      try {
        RE2JS.compile(version);
      } catch (err) {
        report.error(
          `${p}.match.proxy.proxyVersion`,
          `Envoy filter: invalid regex for proxy version, [${(err as Error).message}]`,
        );
        return;
      }
    }
    const m = cp.match;
    const objectMatch = m && (m.listener ?? m.routeConfiguration ?? m.cluster ?? m.waypoint);
    if (!objectMatch) return;
    if (LISTENER_CLASS.has(cp.applyTo)) {
      if (!m.listener) {
        if (m.waypoint) return;
        report.error(
          `${p}.match`,
          "Envoy filter: applyTo for listener class objects cannot have non listener match",
        );
        return;
      }
      const filter = m.listener.filterChain?.filter;
      if (filter) {
        const fp = `${p}.match.listener.filterChain.filter`;
        if (cp.applyTo === "LISTENER" || cp.applyTo === "FILTER_CHAIN") {
          report.warning(
            fp,
            `Envoy filter: filter match has no effect when used with ${cp.applyTo}`,
          );
        }
        if (!filter.name) {
          report.error(`${fp}.name`, "Envoy filter: filter match has no name to match on");
          return;
        }
        if (filter.subFilter) {
          if (cp.applyTo !== "HTTP_FILTER") {
            report.error(
              `${fp}.subFilter`,
              "Envoy filter: subfilter match can be used with applyTo HTTP_FILTER only",
            );
            return;
          }
          if (!HCM.has(filter.name)) {
            report.error(
              `${fp}.subFilter`,
              "Envoy filter: subfilter match requires filter match with envoy.filters.network.http_connection_manager",
            );
            return;
          }
          if (!filter.subFilter.name) {
            report.error(
              `${fp}.subFilter.name`,
              "Envoy filter: subfilter match has no name to match on",
            );
            return;
          }
        }
        for (const [name, where] of [
          [filter.name, "name"],
          [filter.subFilter?.name, "subFilter.name"],
        ] as const) {
          const replacement = name ? DEPRECATED_FILTER_NAMES[name] : undefined;
          if (replacement) {
            report.warning(
              `${fp}.${where}`,
              `using deprecated filter name "${name}"; use "${replacement}" instead`,
            );
          }
        }
      }
    } else if (ROUTE_CLASS.has(cp.applyTo)) {
      if (!m.routeConfiguration && !m.waypoint) {
        report.error(
          `${p}.match`,
          "Envoy filter: applyTo for http route class objects cannot have non route configuration match",
        );
      }
    } else if (cp.applyTo === "CLUSTER") {
      if (!m.cluster && !m.waypoint) {
        report.error(
          `${p}.match`,
          "Envoy filter: applyTo for cluster class objects cannot have non cluster match",
        );
      }
    }
  });
}
