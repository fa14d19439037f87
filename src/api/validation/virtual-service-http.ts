// The checks on one VirtualService HTTP route (istio pkg/config/validation/virtualservice.go):
// the action (route, redirect, direct response or delegate), matches, headers, rewrite, retries,
// fault injection, mirrors and CORS.

import type { Report } from "../diagnostic.ts";
import type { StringMatch } from "../types/common.ts";
import type {
  CorsPolicy,
  Destination,
  Headers,
  HTTPFaultInjection,
  HTTPRetry,
  HTTPRoute,
  HTTPRouteDestination,
} from "../types/virtual-service.ts";
import {
  errs,
  isAuthorityHeader,
  parseDuration,
  validateDuration,
  validateHeaderOperationName,
  validateHeaderSetName,
  validateHTTPHeaderName,
  validateHTTPHeaderValue,
  validatePercentage,
  validateRegex,
} from "./common.ts";
import { isDNS1123Label, validateLabels, validatePort, validateWildcardDomain } from "./names.ts";
import { validateGatewayNames } from "./virtual-service-gateways.ts";

const RETRY_ON = new Set([
  "5xx",
  "gateway-error",
  "reset",
  "reset-before-request",
  "connect-failure",
  "retriable-4xx",
  "refused-stream",
  "retriable-status-codes",
  "retriable-headers",
  "envoy-ratelimited",
  "http3-post-connect-failure",
  "cancelled",
  "deadline-exceeded",
  "internal",
  "resource-exhausted",
  "unavailable",
]);

/** Status codes Go's net/http knows (http.StatusText non-empty), which Istio accepts in retryOn. */
const KNOWN_STATUS = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304,
  305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415,
  416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505,
  506, 507, 508, 510, 511,
]);

const METHODS = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "CONNECT",
  "OPTIONS",
  "TRACE",
]);

const GRPC_STATUS = new Set([
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
]);

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

function checkStringMatchRegex(
  m: StringMatch | undefined,
  where: string,
  path: string,
  report: Report,
): void {
  if (m?.regex === undefined) return;
  if (m.regex === "") {
    report.error(path, `"${where}": regex string match should not be empty`);
    return;
  }
  errs(report, path, validateRegex(m.regex, where));
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

function checkCors(c: CorsPolicy | undefined, p: string, report: Report): void {
  if (!c) return;
  c.allowOrigins?.forEach((o, i) => {
    const path = `${p}.allowOrigins[${i}]`;
    const match = o?.exact ?? o?.prefix ?? o?.regex ?? "";
    if (match === "") {
      report.error(path, `'${match}' is not a valid match type for CORS allow origins`);
      return;
    }
    checkStringMatchRegex(o, "corsPolicy.allowOrigins", path, report);
  });
  c.allowMethods?.forEach((m, i) => {
    if (!METHODS.has(m))
      report.error(`${p}.allowMethods[${i}]`, `"${m}" is not a supported HTTP method`);
  });
  for (const f of ["allowHeaders", "exposeHeaders"] as const) {
    c[f]?.forEach((name, i) => {
      if (name !== "*") errs(report, `${p}.${f}[${i}]`, validateHTTPHeaderName(name));
    });
  }
  if (c.maxAge !== undefined) {
    const err = validateDuration(c.maxAge);
    errs(report, `${p}.maxAge`, err);
    const ns = parseDuration(c.maxAge);
    if (!err && ns !== undefined && ns % 1e9 !== 0) {
      report.error(`${p}.maxAge`, "max_age duration is accurate only to seconds precision");
    }
  }
}

function validateHTTPStatus(status: number): string | undefined {
  return status < 200 || status > 600 ? `HTTP status ${status} is not in range 200-599` : undefined;
}

function checkFault(f: HTTPFaultInjection | undefined, p: string, report: Report): void {
  if (!f) return;
  if (!f.abort && !f.delay)
    report.error(p, "HTTP fault injection must have an abort and/or a delay");
  if (f.abort) {
    const a = f.abort;
    errs(report, `${p}.abort.percentage`, validatePercentage(a.percentage?.value));
    if (a.grpcStatus !== undefined) {
      if (!GRPC_STATUS.has(a.grpcStatus)) {
        report.error(
          `${p}.abort.grpcStatus`,
          `gRPC status "${a.grpcStatus}" is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of supported codes, for example 'NOT_FOUND'`,
        );
      }
    } else if (a.http2Error !== undefined) {
      report.error(`${p}.abort.http2Error`, "HTTP/2 abort fault injection not supported yet");
    } else if (a.httpStatus !== undefined) {
      errs(report, `${p}.abort.httpStatus`, validateHTTPStatus(a.httpStatus));
    } else {
      report.warning(`${p}.abort`, "abort configured, but error type not set");
    }
  }
  if (f.delay) {
    const d = f.delay;
    errs(report, `${p}.delay.percentage`, validatePercentage(d.percentage?.value));
    if (d.percent !== undefined && (d.percent < 0 || d.percent > 100)) {
      report.error(`${p}.delay.percent`, `percentage ${d.percent} is not in range 0..100`);
    }
    if (d.fixedDelay !== undefined)
      errs(report, `${p}.delay.fixedDelay`, validateDuration(d.fixedDelay));
    if (d.exponentialDelay !== undefined) {
      errs(report, `${p}.delay.exponentialDelay`, validateDuration(d.exponentialDelay));
      report.error(`${p}.delay.exponentialDelay`, "exponentialDelay not supported yet");
    }
  }
}

function checkRedirect(http: HTTPRoute, p: string, report: Report): void {
  const r = http.redirect;
  if (!r) return;
  const path = `${p}.redirect`;
  if (!r.uri && !r.authority && r.port === undefined && r.derivePort === undefined && !r.scheme) {
    report.error(path, "redirect must specify URI, authority, scheme, or port");
    return;
  }
  if (
    r.redirectCode !== undefined &&
    r.redirectCode !== 0 &&
    (r.redirectCode < 300 || r.redirectCode > 399)
  ) {
    report.error(
      `${path}.redirectCode`,
      `${r.redirectCode} is not a valid redirect code, must be 3xx`,
    );
  }
  if (r.scheme && r.scheme !== "http" && r.scheme !== "https") {
    report.error(`${path}.scheme`, 'invalid redirect scheme, must be "http" or "https"');
  }
  if (r.port !== undefined && r.port > 0) errs(report, `${path}.port`, validatePort(r.port));
}

function checkRetries(r: HTTPRetry | undefined, p: string, report: Report): void {
  if (!r) return;
  const attempts = r.attempts ?? 0;
  if (attempts < 0) report.error(`${p}.attempts`, "attempts cannot be negative");
  if (
    attempts === 0 &&
    (r.perTryTimeout !== undefined || r.retryOn || r.retryRemoteLocalities !== undefined)
  ) {
    report.error(p, "http retry policy configured when attempts are set to 0 (disabled)");
  }
  if (r.perTryTimeout !== undefined)
    errs(report, `${p}.perTryTimeout`, validateDuration(r.perTryTimeout));
  if (r.backoff !== undefined) errs(report, `${p}.backoff`, validateDuration(r.backoff));
  if (r.retryOn) {
    for (const policy of r.retryOn.split(",")) {
      const code = /^\d+$/.test(policy) ? Number(policy) : 0;
      if (!KNOWN_STATUS.has(code) && !RETRY_ON.has(policy)) {
        report.error(`${p}.retryOn`, `"${policy}" is not a valid retryOn policy`);
      }
    }
  }
}

function checkRewrite(http: HTTPRoute, p: string, report: Report): void {
  const rw = http.rewrite;
  if (rw) {
    const path = `${p}.rewrite`;
    if (rw.uri && rw.uriRegexRewrite) {
      report.error(path, "rewrite may only contain one of URI or UriRegexRewrite");
    } else if (!rw.uri && !rw.uriRegexRewrite && !rw.authority) {
      report.error(
        path,
        "rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified",
      );
    } else if (rw.uriRegexRewrite) {
      const rr = rw.uriRegexRewrite;
      if (!rr.match || !rr.rewrite) {
        report.error(
          `${path}.uriRegexRewrite`,
          "UriRegexRewrite has errors: UriRegexRewrite requires both Rewrite and Match fields to be specified",
        );
      } else {
        const e = validateRegex(rr.match, "HTTPRewrite.UriRegexRewrite.Match");
        if (e) report.error(`${path}.uriRegexRewrite.match`, `UriRegexRewrite has errors: ${e}`);
      }
    }
  }
  // The authority may be rewritten in one place only.
  let current = rw?.authority ?? "";
  for (const op of ["set", "add"] as const) {
    for (const [k, v] of Object.entries(http.headers?.request?.[op] ?? {})) {
      if (!isAuthorityHeader(k)) continue;
      if (current !== "") {
        report.error(
          `${p}.headers.request.${op}[${k}]`,
          `authority header cannot be set multiple times: have "${current}", attempting to set "${v}"`,
        );
        return;
      }
      current = v;
    }
  }
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
