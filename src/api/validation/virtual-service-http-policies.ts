// Policies of one VirtualService HTTP route (istio pkg/config/validation): CORS, fault
// injection, redirect, retries and rewrite, with the value sets Istio accepts.

import type { Report } from "../diagnostic.ts";
import type {
  CorsPolicy,
  HTTPFaultInjection,
  HTTPRetry,
  HTTPRoute,
} from "../types/virtual-service.ts";
import {
  checkStringMatchRegex,
  errs,
  isAuthorityHeader,
  parseDuration,
  validateDuration,
  validateHTTPHeaderName,
  validatePercentage,
  validateRegex,
} from "./common.ts";
import { validatePort } from "./names.ts";

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

export function checkCors(c: CorsPolicy | undefined, p: string, report: Report): void {
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

export function validateHTTPStatus(status: number): string | undefined {
  return status < 200 || status > 600 ? `HTTP status ${status} is not in range 200-599` : undefined;
}

export function checkFault(f: HTTPFaultInjection | undefined, p: string, report: Report): void {
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

export function checkRedirect(http: HTTPRoute, p: string, report: Report): void {
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

export function checkRetries(r: HTTPRetry | undefined, p: string, report: Report): void {
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

export function checkRewrite(http: HTTPRoute, p: string, report: Report): void {
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
