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

export class RetryState {
  readonly maxRetries: number;
  readonly perTryTimeoutMs: number;
  /** previous_hosts: a retry avoids hosts already tried, re-picking up to this many times. */
  readonly hostSelectionAttempts: number;
  private readonly on: Set<string>;
  private readonly codes: Set<number>;
  private readonly retriableHeaders: RoutePredicate[];
  private readonly baseMs: number;
  private readonly maxMs: number;
  private backoffStep = 1;

  constructor(policy: RetryPolicy, requestHeaders: HeaderMap) {
    const headerOn = requestHeaders.get("x-envoy-retry-on");
    const grpcOn = requestHeaders.get("x-envoy-retry-grpc-on");
    this.on = new Set(
      [policy.retry_on, headerOn, grpcOn]
        .flatMap((x) => (x ?? "").split(","))
        .map((x) => x.trim())
        .filter(Boolean),
    );
    const headerMax = Number(requestHeaders.get("x-envoy-max-retries"));
    this.maxRetries =
      Number.isInteger(headerMax) && headerMax >= 0 ? headerMax : (policy.num_retries ?? 1);
    const headerPerTry = Number(requestHeaders.get("x-envoy-upstream-rq-per-try-timeout-ms"));
    this.perTryTimeoutMs =
      Number.isInteger(headerPerTry) && headerPerTry > 0
        ? headerPerTry
        : parseDurationMs(policy.per_try_timeout, 0);
    this.codes = new Set(policy.retriable_status_codes ?? []);
    for (const c of (requestHeaders.get("x-envoy-retriable-status-codes") ?? "").split(",")) {
      if (/^\d{3}$/.test(c.trim())) this.codes.add(Number(c.trim()));
    }
    this.retriableHeaders = (policy.retriable_headers ?? []).map((m, i) =>
      compileHeader(m, `retry_policy.retriable_headers[${i}]`),
    );
    for (const name of (requestHeaders.get("x-envoy-retriable-header-names") ?? "").split(",")) {
      if (name.trim()) {
        this.retriableHeaders.push(compileHeader({ name: name.trim() }, "retriable header names"));
      }
    }
    this.baseMs = parseDurationMs(policy.retry_back_off?.base_interval, 25);
    this.maxMs = parseDurationMs(policy.retry_back_off?.max_interval, this.baseMs * 10);
    this.hostSelectionAttempts = policy.retry_host_predicate?.some((p) => p.name === PREVIOUS_HOSTS)
      ? Number(policy.host_selection_retry_max_attempts ?? 1)
      : 0;
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
