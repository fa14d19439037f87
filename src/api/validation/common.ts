// Checks shared by several kinds: durations, RE2 regexes, header names and values, protocols,
// workload selectors and policy target references, exportTo. Messages follow Istio's wording
// (pkg/config/validation); the caller adds the field path.

import { RE2JS } from "re2js";
import type { Report } from "../diagnostic.ts";
import type { PolicyTargetReference, StringMatch, WorkloadSelector } from "../types/common.ts";

const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Nanoseconds of a duration such as "1.5s" or "1h30m"; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  if (typeof text !== "string" || text.length === 0) return undefined;
  let s = text;
  let sign = 1;
  if (s[0] === "-" || s[0] === "+") {
    sign = s[0] === "-" ? -1 : 1;
    s = s.slice(1);
  }
  if (s === "0") return 0;
  let total = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < s.length) {
    const m = DURATION_PART.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_NS[m[2]];
  }
  return sign * total;
}

/** Istio's `ValidateDuration`: at least 1ms, millisecond precision. */
export function validateDuration(text: string): string | undefined {
  const ns = parseDuration(text);
  if (ns === undefined) return `invalid duration "${text}"`;
  if (ns < 1e6) return "duration must be greater than 1ms";
  if (Math.round(ns) % 1e6 !== 0) return "only durations to ms precision are supported";
  return undefined;
}

/** Envoy's safe_regex is RE2; Istio caps the length at 1024. */
export function validateRegex(re: string, where: string): string | undefined {
  if (re.length > 1024) return `"${where}": regex is too large, max length allowed is 1024`;
  try {
    RE2JS.compile(re);
    return undefined;
  } catch (err) {
    return `"${where}": ${(err as Error).message}; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)`;
  }
}

/** A StringMatch regex: non-empty RE2. */
export function checkStringMatchRegex(
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

const HEADER_NAME = /^[-_A-Za-z0-9]+$/;

export function validateHTTPHeaderName(name: string): string | undefined {
  if (name === "") return "header name cannot be empty";
  if (!HEADER_NAME.test(name)) return `header name ${name} is not a valid header name`;
  return undefined;
}

export function isAuthorityHeader(name: string): boolean {
  const n = name.toLowerCase();
  return n === ":authority" || n === "host";
}

function isInternalHeader(name: string): boolean {
  return name.startsWith(":") || name.toLowerCase() === "host";
}

/** Names in `headers.request.set/add`: `:authority`/`host` may be rewritten there. */
export function validateHeaderSetName(name: string): string | undefined {
  if (name === "") return "header name cannot be empty";
  if (isInternalHeader(name) && !isAuthorityHeader(name)) {
    return `invalid header "${name}": header cannot have ":" prefix`;
  }
  return undefined;
}

/** Names in `headers.request.remove` and all of `headers.response`. */
export function validateHeaderOperationName(name: string): string | undefined {
  if (name === "") return "header name cannot be empty";
  if (name.toLowerCase() === "host") return `invalid header "${name}": cannot set Host header`;
  if (isInternalHeader(name)) return `invalid header "${name}": header cannot have ":" prefix`;
  return undefined;
}

// Control characters other than horizontal tab.
// biome-ignore lint/suspicious/noControlCharactersInRegex: that is what it looks for
const HEADER_VALUE_BAD = /[\u0000-\u0008\u000A-\u001F\u007F]/;

/** Envoy header values: `%VAR%` expressions and `%%` escapes are the only uses of `%`. */
export function validateHTTPHeaderValue(value: string): string | undefined {
  if (HEADER_VALUE_BAD.test(value)) return `header value configuration ${value} is invalid`;
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== "%") continue;
    if (value[i + 1] === "%") {
      i++;
      continue;
    }
    const end = value.indexOf("%", i + 1);
    if (end < 0) {
      return `header value configuration: invalid header value "${value}": unterminated variable expression, use %% for a literal %`;
    }
    if (!/^[A-Z_][A-Z0-9_]*(\(.*\))?(:[0-9]+)?$/.test(value.slice(i + 1, end))) {
      return `header value configuration: invalid header value "${value}": invalid variable expression "${value.slice(i, end + 1)}"`;
    }
    i = end;
  }
  return undefined;
}

const PROTOCOLS = new Map(
  [
    "TCP",
    "UDP",
    "GRPC",
    "GRPC-Web",
    "HTTP",
    "HTTP_PROXY",
    "HTTP2",
    "HTTPS",
    "TLS",
    "Mongo",
    "Redis",
    "MySQL",
  ].map((p) => [p.toLowerCase(), p]),
);

/** Istio's protocol.Parse: case-insensitive; undefined for unsupported names. */
export function parseProtocol(p: string | undefined): string | undefined {
  return p === undefined ? undefined : PROTOCOLS.get(p.toLowerCase());
}

export function isHTTPProtocol(p: string | undefined): boolean {
  const v = parseProtocol(p);
  return v === "HTTP" || v === "HTTP2" || v === "HTTP_PROXY" || v === "GRPC" || v === "GRPC-Web";
}

export function isTLSProtocol(p: string | undefined): boolean {
  const v = parseProtocol(p);
  return v === "HTTPS" || v === "TLS";
}

export function isTCPProtocol(p: string | undefined): boolean {
  const v = parseProtocol(p);
  return (
    v === "TCP" || v === "HTTPS" || v === "TLS" || v === "Mongo" || v === "Redis" || v === "MySQL"
  );
}

/** Empty means sniffing; anything else must be a protocol Istio knows. */
export function validateProtocol(p: string | undefined): string | undefined {
  return p && !parseProtocol(p) ? `unsupported protocol: ${p}` : undefined;
}

/** `matchLabels`/`labels` of a workload selector: no empty keys, no wildcards. */
export function checkSelectorLabels(
  labels: Record<string, string> | undefined,
  path: string,
  report: Report,
): void {
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k === "") report.error(path, `empty key is not supported in selector: "${k}=${v}"`);
    if (k.includes("*") || String(v).includes("*")) {
      report.error(path, `wildcard is not supported in selector: "${k}=${v}"`);
    }
  }
}

export function checkWorkloadSelector(
  selector: WorkloadSelector | undefined,
  path: string,
  report: Report,
): void {
  if (!selector) return;
  checkSelectorLabels(selector.matchLabels, `${path}.matchLabels`, report);
  if (Object.keys(selector.matchLabels ?? {}).length === 0) {
    report.warning(path, "workload selector specified without labels");
  }
}

/**
 * `spec.workloadSelector` of a networking kind (`{labels}`): valid labels, and a warning naming
 * the kind (as Istio words it, e.g. "sidecar") when it selects every workload in the namespace.
 */
export function checkNetworkWorkloadSelector(
  selector: { labels?: Record<string, string> } | undefined,
  kind: string,
  report: Report,
): void {
  if (!selector) return;
  checkSelectorLabels(selector.labels, "spec.workloadSelector.labels", report);
  if (Object.keys(selector.labels ?? {}).length === 0) {
    report.warning(
      "spec.workloadSelector",
      `${kind}: workload selector specified without labels, will be applied to all services in namespace`,
    );
  }
}

const TARGET_KINDS = new Set([
  "core/Service",
  "networking.istio.io/ServiceEntry",
  "gateway.networking.k8s.io/Gateway",
]);

export function checkTargetRef(ref: PolicyTargetReference, path: string, report: Report): void {
  if (!ref.name) report.error(`${path}.name`, "targetRef name must be set");
  if (ref.namespace) {
    report.error(
      `${path}.namespace`,
      "targetRef namespace must not be set; cross namespace referencing is not supported",
    );
  }
  const group = ref.group || "core";
  if (!TARGET_KINDS.has(`${group}/${ref.kind}`)) {
    report.error(
      path,
      `targetRef must be to one of [Service, networking.istio.io/ServiceEntry, gateway.networking.k8s.io/Gateway, gateway.networking.k8s.io/GatewayClass] but was ${ref.group ?? ""}/${ref.kind}`,
    );
  }
}

/** selector/targetRef/targetRefs of workload policies: at most one, each well-formed. */
export function checkPolicyTargeting(
  spec: {
    selector?: WorkloadSelector;
    targetRef?: PolicyTargetReference;
    targetRefs?: PolicyTargetReference[];
  },
  report: Report,
): void {
  const set = [
    spec.selector,
    spec.targetRef,
    spec.targetRefs?.length ? spec.targetRefs : undefined,
  ];
  if (set.filter((x) => x !== undefined).length > 1) {
    report.error("spec", "only one of targetRefs or workloadSelector can be set");
  }
  checkWorkloadSelector(spec.selector, "spec.selector", report);
  if (spec.targetRef) checkTargetRef(spec.targetRef, "spec.targetRef", report);
  spec.targetRefs?.forEach((r, i) => {
    checkTargetRef(r, `spec.targetRefs[${i}]`, report);
  });
}

/**
 * `exportTo`: no duplicates (`.` counts as the own namespace), `*` alone, `~` alone (service
 * entries only), every other entry a namespace name.
 */
export function checkExportTo(
  namespace: string | undefined,
  exportTo: string[] | undefined,
  report: Report,
  opts: { serviceEntry?: boolean; drWithSelector?: boolean } = {},
): void {
  if (!exportTo?.length) return;
  const path = "spec.exportTo";
  const seen = new Set<string>();
  exportTo.forEach((e, i) => {
    const key = e === "." ? (namespace ?? ".") : e;
    if (seen.has(key)) {
      report.error(
        `${path}[${i}]`,
        key !== e
          ? `duplicate entries in exportTo: . and current namespace ${namespace}`
          : `duplicate entries in exportTo for entry ${e}`,
      );
      return;
    }
    if (e === "~" && opts.serviceEntry) {
      seen.add(key);
    } else if (key !== "*" && key !== "." && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(key)) {
      report.error(
        `${path}[${i}]`,
        `only . or * or valid DNS 1123 label is allowed as exportTo entry, got ${e}`,
      );
    } else {
      seen.add(key);
    }
  });
  if (opts.drWithSelector && seen.size > 0) {
    if (namespace !== undefined && seen.has(namespace)) {
      if (seen.size > 1) {
        report.error(
          path,
          "destination rule with workload selector cannot have multiple entries in exportTo",
        );
      }
    } else {
      report.error(
        path,
        "destination rule with workload selector cannot have exportTo beyond current namespace",
      );
    }
  }
  if (seen.has("*") && exportTo.length > 1) {
    report.error(path, "cannot have both public (*) and non-public exportTo values for a resource");
  }
  if (seen.has("~") && exportTo.length > 1) {
    report.error(path, "cannot export service entry to no one (~) and someone");
  }
}

/** A Percent (double): 0, or within [0.0001, 100]. */
export function validatePercentage(value: number | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value < 0 || value > 100 || (value > 0 && value < 0.0001)) {
    return `percentage ${value} is neither 0.0, nor in range [0.0001, 100.0]`;
  }
  return undefined;
}

/** Records each message (when defined) as an error at path. */
export function errs(report: Report, path: string, ...messages: (string | undefined)[]): void {
  for (const m of messages) if (m) report.error(path, m);
}
