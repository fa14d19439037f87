// Envoy's retry state for one request: the retry_on conditions of the route's retry_policy (and
// the x-envoy-retry-on / x-envoy-max-retries request headers Envoy honours), whether a response
// or a failure is retriable, and the jittered exponential back-off between attempts.

import type { RetryPolicy } from "../../config-types.ts";
import { parseDurationMs } from "../../duration.ts";
import type { HeaderMap } from "../../http/headers.ts";
import { compileHeader, type RoutePredicate } from "../../routing/route-match.ts";
import type { UpstreamError } from "../../upstream/errors.ts";

const GRPC_ON: Record<string, string> = {
  cancelled: "1",
  "deadline-exceeded": "4",
  "resource-exhausted": "8",
  internal: "13",
  unavailable: "14",
};

const PREVIOUS_HOSTS = "envoy.retry_host_predicates.previous_hosts";

/** What a route's retry_policy says, compiled once per policy object (not once per request). */
interface CompiledPolicy {
  readonly on: ReadonlySet<string>;
  readonly codes: ReadonlySet<number>;
  readonly retriableHeaders: readonly RoutePredicate[];
  readonly maxRetries: number;
  readonly perTryTimeoutMs: number;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly hostSelectionAttempts: number;
}

const compiled = new WeakMap<RetryPolicy, CompiledPolicy>();

const conditions = (list: string | undefined): string[] =>
  (list ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

function compilePolicy(policy: RetryPolicy): CompiledPolicy {
  let c = compiled.get(policy);
  if (c) return c;
  const baseMs = parseDurationMs(policy.retry_back_off?.base_interval, 25);
  c = {
    on: new Set(conditions(policy.retry_on)),
    codes: new Set(policy.retriable_status_codes ?? []),
    retriableHeaders: (policy.retriable_headers ?? []).map((m, i) =>
      compileHeader(m, `retry_policy.retriable_headers[${i}]`),
    ),
    maxRetries: policy.num_retries ?? 1,
    perTryTimeoutMs: parseDurationMs(policy.per_try_timeout, 0),
    baseMs,
    maxMs: parseDurationMs(policy.retry_back_off?.max_interval, baseMs * 10),
    hostSelectionAttempts: policy.retry_host_predicate?.some((p) => p.name === PREVIOUS_HOSTS)
      ? Number(policy.host_selection_retry_max_attempts ?? 1)
      : 0,
  };
  compiled.set(policy, c);
  return c;
}

export class RetryState {
  readonly maxRetries: number;
  readonly perTryTimeoutMs: number;
  /** previous_hosts: a retry avoids hosts already tried, re-picking up to this many times. */
  readonly hostSelectionAttempts: number;
  private readonly on: ReadonlySet<string>;
  private readonly codes: ReadonlySet<number>;
  private readonly retriableHeaders: readonly RoutePredicate[];
  private readonly baseMs: number;
  private readonly maxMs: number;
  private backoffStep = 1;

  constructor(policy: RetryPolicy, requestHeaders: HeaderMap) {
    const c = compilePolicy(policy);
    this.hostSelectionAttempts = c.hostSelectionAttempts;
    this.baseMs = c.baseMs;
    this.maxMs = c.maxMs;
    // the x-envoy-* request headers extend or override the policy for this request only
    const headerOn = [
      ...conditions(requestHeaders.get("x-envoy-retry-on")),
      ...conditions(requestHeaders.get("x-envoy-retry-grpc-on")),
    ];
    this.on = headerOn.length ? new Set([...c.on, ...headerOn]) : c.on;
    const headerMax = Number(requestHeaders.get("x-envoy-max-retries"));
    this.maxRetries = Number.isInteger(headerMax) && headerMax >= 0 ? headerMax : c.maxRetries;
    const headerPerTry = Number(requestHeaders.get("x-envoy-upstream-rq-per-try-timeout-ms"));
    this.perTryTimeoutMs =
      Number.isInteger(headerPerTry) && headerPerTry > 0 ? headerPerTry : c.perTryTimeoutMs;
    const headerCodes = conditions(requestHeaders.get("x-envoy-retriable-status-codes"))
      .filter((x) => /^\d{3}$/.test(x))
      .map(Number);
    this.codes = headerCodes.length ? new Set([...c.codes, ...headerCodes]) : c.codes;
    const headerNames = conditions(requestHeaders.get("x-envoy-retriable-header-names"));
    this.retriableHeaders = headerNames.length
      ? [
          ...c.retriableHeaders,
          ...headerNames.map((name) => compileHeader({ name }, "retriable header names")),
        ]
      : c.retriableHeaders;
  }

  /** Would Envoy retry on these response headers? */
  retriableResponse(status: number, headers: HeaderMap): boolean {
    const on = this.on;
    if (on.has("5xx") && status >= 500) return true;
    if (on.has("gateway-error") && status >= 502 && status <= 504) return true;
    if (on.has("retriable-4xx") && status === 409) return true;
    if (on.has("retriable-status-codes") && this.codes.has(status)) return true;
    if (on.has("envoy-ratelimited") && headers.has("x-envoy-ratelimited")) return true;
    if (
      on.has("retriable-headers") &&
      this.retriableHeaders.some((m) => m({ headers, path: "", query: "" }))
    ) {
      return true;
    }
    const grpc = headers.get("grpc-status");
    if (grpc !== undefined) {
      for (const [name, code] of Object.entries(GRPC_ON))
        if (on.has(name) && grpc === code) return true;
    }
    return false;
  }

  /** Would Envoy retry after this failure before response headers (a per-try timeout included)? */
  retriableFailure(err: UpstreamError, perTryTimeout: boolean): boolean {
    const on = this.on;
    if (on.has("5xx") || on.has("gateway-error") || on.has("reset")) return true;
    if (perTryTimeout) return false;
    if (on.has("connect-failure") && err.flag === "UF") return true;
    if (on.has("refused-stream") && err.reason === "remote refused stream reset") return true;
    return false;
  }

  /** Envoy's JitteredExponentialBackOffStrategy: random below (2^n − 1) × base, capped at max. */
  backoffMs(): number {
    const ceiling = ((1 << this.backoffStep) - 1) * this.baseMs;
    if (ceiling <= this.maxMs) this.backoffStep++;
    return Math.min(Math.random() * ceiling, this.maxMs);
  }
}

/** Request headers Envoy's router consumes and does not forward. */
export const RETRY_HEADERS = [
  "x-envoy-upstream-rq-timeout-ms",
  "x-envoy-upstream-rq-per-try-timeout-ms",
  "x-envoy-retry-on",
  "x-envoy-retry-grpc-on",
  "x-envoy-max-retries",
  "x-envoy-retriable-status-codes",
  "x-envoy-retriable-header-names",
];
