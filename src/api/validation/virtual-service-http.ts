// The checks on one VirtualService HTTP route (istio pkg/config/validation/virtualservice.go):
// the action (route, redirect, direct response or delegate), matches, headers, rewrite, retries,
// fault injection, mirrors and CORS.

import type { Report } from "../diagnostic.ts";
import type { StringMatch } from "../types/common.ts";
import type {
  Destination,
  Headers,
  HTTPRoute,
  HTTPRouteDestination,
} from "../types/virtual-service.ts";
import {
  checkStringMatchRegex,
  errs,
  validateDuration,
  validateHeaderOperationName,
  validateHeaderSetName,
  validateHTTPHeaderName,
  validateHTTPHeaderValue,
} from "./common.ts";
import { isDNS1123Label, validateLabels, validatePort, validateWildcardDomain } from "./names.ts";
import { validateGatewayNames } from "./virtual-service-gateways.ts";
import {
  checkCors,
  checkFault,
  checkRedirect,
  checkRetries,
  checkRewrite,
  validateHTTPStatus,
} from "./virtual-service-http-policies.ts";

export type RouteKind = "independent" | "root" | "delegate";

export function validateHTTPRoute(
  http: HTTPRoute,
  p: string,
  isDelegateVS: boolean,
  report: Report,
): void {
  const kind: RouteKind = isDelegateVS ? "delegate" : http.delegate ? "root" : "independent";
  checkConflicts(http, kind, p, report);
  checkMatches(http, p, report);
  checkHeaders(http.headers, `${p}.headers`, report);
  checkCors(http.corsPolicy, `${p}.corsPolicy`, report);
  checkFault(http.fault, `${p}.fault`, report);
  if (http.mirrorPercent !== undefined) {
    if (http.mirrorPercent > 100) {
      report.error(
        `${p}.mirrorPercent`,
        `mirror_percent must have a max value of 100 (it has ${http.mirrorPercent})`,
      );
    }
    report.warning(
      `${p}.mirrorPercent`,
      'using deprecated setting "mirrorPercent", use "mirrorPercentage" instead',
    );
  }
  const mp = http.mirrorPercentage?.value;
  if (mp !== undefined && mp > 100) {
    report.error(
      `${p}.mirrorPercentage`,
      `mirror_percentage must have a max value of 100 (it has ${mp})`,
    );
  }
  if (mp !== undefined && mp < 0) {
    report.error(
      `${p}.mirrorPercentage`,
      `mirror_percentage must have a min value of 0 (it has ${mp})`,
    );
  }
  if (http.mirror) validateDestination(http.mirror, `${p}.mirror`, report);
  http.mirrors?.forEach((m, i) => {
    const mpath = `${p}.mirrors[${i}]`;
    if (!m.destination) {
      report.error(mpath, "destination is required for mirrors");
      return;
    }
    validateDestination(m.destination, `${mpath}.destination`, report);
    const v = m.percentage?.value;
    if (v !== undefined && v > 100)
      report.error(
        `${mpath}.percentage`,
        `mirror percentage must have a max value of 100 (it has ${v})`,
      );
    if (v !== undefined && v < 0)
      report.error(
        `${mpath}.percentage`,
        `mirror percentage must have a min value of 0 (it has ${v})`,
      );
  });
  checkRedirect(http, p, report);
  if (http.directResponse) {
    const dr = http.directResponse;
    errs(report, `${p}.directResponse.status`, validateHTTPStatus(dr.status));
    const size = (dr.body?.string ?? dr.body?.bytes ?? "").length;
    if (size > 1024 * 1024) {
      report.error(
        `${p}.directResponse.body`,
        "large direct_responses may impact control plane performance, must be less than 1MB",
      );
    } else if (size > 100 * 1024) {
      report.warning(
        `${p}.directResponse.body`,
        "large direct_responses may impact control plane performance",
      );
    }
  }
  checkRetries(http.retries, `${p}.retries`, report);
  checkRewrite(http, p, report);
  validateRouteDestinations(http.route, `${p}.route`, report);
  if (http.timeout !== undefined) errs(report, `${p}.timeout`, validateDuration(http.timeout));
}

function checkConflicts(http: HTTPRoute, kind: RouteKind, p: string, report: Report): void {
  if (kind === "root") {
    // A root route only delegates.
    if (http.redirect)
      report.error(`${p}.redirect`, `root HTTP route ${http.name ?? ""} must not specify redirect`);
    if (http.route)
      report.error(`${p}.route`, `root HTTP route ${http.name ?? ""} must not specify route`);
    return;
  }
  if (kind === "delegate" && http.delegate) {
    report.error(`${p}.delegate`, "delegate HTTP route cannot contain delegate");
  }
  const hasRoute = (http.route?.length ?? 0) > 0;
  if (http.redirect) {
    if (hasRoute) report.error(p, "HTTP route cannot contain both route and redirect");
    if (http.fault) report.error(p, "HTTP route cannot contain both fault and redirect");
    if (http.rewrite) report.error(p, "HTTP route rule cannot contain both rewrite and redirect");
    if (http.directResponse)
      report.error(p, "HTTP route rule cannot contain both direct_response and redirect");
  } else if (http.directResponse) {
    if (hasRoute) report.error(p, "HTTP route cannot contain both route and direct_response");
    if (http.fault) report.error(p, "HTTP route cannot contain both fault and direct_response");
    if (http.rewrite)
      report.error(p, "HTTP route rule cannot contain both rewrite and direct_response");
  } else if (!hasRoute) {
    report.error(p, "HTTP route, redirect or direct_response is required");
  }
  if (http.mirror && http.mirrors?.length)
    report.error(p, "HTTP route cannot contain both mirror and mirrors");
}

/** Envoy's StringMatcher forbids an empty prefix (the URI path matcher allows it). */
function checkStringMatch(
  m: StringMatch | undefined,
  where: string,
  path: string,
  report: Report,
): void {
  if (m?.prefix === "") {
    report.error(path, `"${where}": prefix string match should not be empty`);
    return;
  }
  checkStringMatchRegex(m, where, path, report);
}

/** `@request.auth.claims.x` / `@request.auth.claims[x]` header keys route on JWT claims. */
export function isJwtClaimKey(name: string): boolean {
  return name.startsWith("@request.auth.claims.") || name.startsWith("@request.auth.claims[");
}

function checkMatches(http: HTTPRoute, p: string, report: Report): void {
  http.match?.forEach((m, i) => {
    const mp = `${p}.match[${i}]`;
    if (!m) return;
    for (const [name, h] of Object.entries(m.headers ?? {})) {
      const hp = `${mp}.headers[${name}]`;
      if (!h) report.error(hp, `header match ${name} cannot be null`);
      if (!isJwtClaimKey(name)) errs(report, hp, validateHTTPHeaderName(name));
      checkStringMatch(h, "headers", hp, report);
    }
    for (const [name, h] of Object.entries(m.withoutHeaders ?? {})) {
      const hp = `${mp}.withoutHeaders[${name}]`;
      if (!isJwtClaimKey(name)) errs(report, hp, validateHTTPHeaderName(name));
      // `regex: "*"` is not RE2 here: it means "present".
      if (h && h.regex !== "*") checkStringMatch(h, "withoutHeaders", hp, report);
    }
    checkStringMatchRegex(m.uri, "uri", `${mp}.uri`, report);
    for (const f of ["scheme", "method", "authority"] as const)
      checkStringMatch(m[f], f, `${mp}.${f}`, report);
    for (const [name, q] of Object.entries(m.queryParams ?? {})) {
      checkStringMatch(q, "queryParams", `${mp}.queryParams[${name}]`, report);
    }
    if (m.port !== undefined && m.port !== 0) errs(report, `${mp}.port`, validatePort(m.port));
    errs(report, `${mp}.sourceLabels`, ...validateLabels(m.sourceLabels));
    validateGatewayNames(m.gateways, `${mp}.gateways`, report);
    if (m.sourceNamespace && !isDNS1123Label(m.sourceNamespace)) {
      report.error(
        `${mp}.sourceNamespace`,
        `sourceNamespace match ${m.sourceNamespace} is invalid`,
      );
    }
  });
}

export function checkHeaders(h: Headers | undefined, p: string, report: Report): void {
  if (!h) return;
  for (const op of ["set", "add"] as const) {
    for (const [name, val] of Object.entries(h.request?.[op] ?? {})) {
      const path = `${p}.request.${op}[${name}]`;
      errs(report, path, validateHeaderSetName(name), validateHTTPHeaderValue(String(val)));
    }
    for (const [name, val] of Object.entries(h.response?.[op] ?? {})) {
      const path = `${p}.response.${op}[${name}]`;
      errs(report, path, validateHeaderOperationName(name), validateHTTPHeaderValue(String(val)));
    }
  }
  h.request?.remove?.forEach((name, i) => {
    errs(report, `${p}.request.remove[${i}]`, validateHeaderOperationName(name));
  });
  h.response?.remove?.forEach((name, i) => {
    errs(report, `${p}.response.remove[${i}]`, validateHeaderOperationName(name));
  });
}

export function validateDestination(d: Destination | undefined, p: string, report: Report): void {
  if (!d) return;
  if (d.host === "*") report.error(`${p}.host`, `invalid destination host ${d.host}`);
  else errs(report, `${p}.host`, validateWildcardDomain(d.host ?? ""));
  if (d.subset !== undefined) {
    if (d.subset === "") report.error(`${p}.subset`, "subset name cannot be empty");
    else if (!isDNS1123Label(d.subset))
      report.error(`${p}.subset`, `subset name is invalid: ${d.subset}`);
  }
  if (d.port) errs(report, `${p}.port.number`, validatePort(d.port.number ?? 0));
}

/** HTTP, TLS and TCP route destinations: weights not negative and not all zero. */
export function validateRouteDestinations(
  route: (HTTPRouteDestination | { destination: Destination; weight?: number })[] | undefined,
  p: string,
  report: Report,
): void {
  if (!route) return;
  let total = 0;
  route.forEach((rd, i) => {
    const rp = `${p}[${i}]`;
    if (!rd) {
      report.error(rp, "weight may not be nil");
      return;
    }
    if (!rd.destination) report.error(`${rp}.destination`, "destination is required");
    if ("headers" in rd) checkHeaders(rd.headers, `${rp}.headers`, report);
    validateDestination(rd.destination, `${rp}.destination`, report);
    const w = rd.weight ?? 0;
    if (w < 0) report.error(`${rp}.weight`, `weight ${w} < 0`);
    total += w;
  });
  if (route.length > 1 && total === 0) report.error(p, "total destination weight = 0");
}
