// envoy.filters.http.router: the terminal HTTP filter. Picks the cluster (single, weighted or from
// a header), applies rewrites and header ops, enforces circuit breakers (max_requests, pending,
// max_retries) and the route timeout, retries as the retry policy says (per-try timeout, jittered
// back-off, previous hosts, bodies replayed from a bounded buffer), mirrors, forwards over the
// cluster's pool and streams the response back.

import type { Readable } from "node:stream";
import type { RE2JS } from "re2js";
import { TYPE_URL } from "../../../envoy/index.ts";
import type { RouteAction, WeightedCluster } from "../../config-types.ts";
import { parseDurationMs } from "../../duration.ts";
import { applyHeaderOps, HeaderMap } from "../../http/headers.ts";
import { pump } from "../../http/pump.ts";
import type { HttpStream } from "../../http/stream.ts";
import { compileRegex } from "../../routing/string-matcher.ts";
import type { UpstreamCluster } from "../../upstream/cluster.ts";
import type { ClusterManager } from "../../upstream/cluster-manager.ts";
import type { Host } from "../../upstream/endpoints.ts";
import { classifyUpstreamError, resetBody, UpstreamError } from "../../upstream/errors.ts";
import type { UpstreamRequest, UpstreamResponse } from "../../upstream/upstream-types.ts";
import { BufferedBody } from "./buffered-body.ts";
import type { HttpFilterFactory } from "./filter.ts";
import { requestHash } from "./hash-policy.ts";
import { mirrorRequest } from "./request-mirror.ts";
import { RETRY_HEADERS, RetryState } from "./retry-state.ts";

/** The router has no config of its own worth keeping; it is recognized by type URL. */
export const routerFilter: HttpFilterFactory = {
  typeUrl: TYPE_URL.ROUTER,
  create: (name) => ({ name, decodeHeaders: () => undefined }),
};

function pickWeighted(
  clusters: WeightedCluster[],
  total: number | undefined,
): WeightedCluster | undefined {
  const sum = total ?? clusters.reduce((a, c) => a + (c.weight ?? 0), 0);
  let x = Math.random() * sum;
  for (const c of clusters) {
    x -= c.weight ?? 0;
    if (x < 0) return c;
  }
  return clusters.find((c) => (c.weight ?? 0) > 0);
}

type RegexRewrite = NonNullable<RouteAction["regex_rewrite"]>;
const regexRewrites = new WeakMap<RegexRewrite, { re: RE2JS; sub: string }>();

/** The route's regex_rewrite compiled once per route config, not per request. */
function regexRewrite(rw: RegexRewrite): { re: RE2JS; sub: string } {
  let c = regexRewrites.get(rw);
  if (!c) {
    // Envoy's substitution writes capture groups as \N; RE2JS takes $N, so a literal $ is escaped
    const sub = (rw.substitution ?? "").replace(/\$/g, "$$$$").replace(/\\(\d)/g, "$$$1");
    c = { re: compileRegex(rw.pattern?.regex ?? "", "regex_rewrite.pattern.regex"), sub };
    regexRewrites.set(rw, c);
  }
  return c;
}

function rewritePath(s: HttpStream, action: RouteAction, matchedPrefix: string | undefined): void {
  const q = s.path.indexOf("?");
  const pathOnly = q >= 0 ? s.path.slice(0, q) : s.path;
  const query = q >= 0 ? s.path.slice(q) : "";
  let next = pathOnly;
  if (action.prefix_rewrite !== undefined && matchedPrefix !== undefined) {
    next = action.prefix_rewrite + pathOnly.slice(matchedPrefix.length);
  } else if (action.regex_rewrite?.pattern?.regex !== undefined) {
    const { re, sub } = regexRewrite(action.regex_rewrite);
    next = re.matcher(pathOnly).replaceAll(sub);
  }
  if (next !== pathOnly) {
    s.headers.set("x-envoy-original-path", s.path);
    s.path = (next || "/") + query;
  }
}

/** Envoy's default when neither the route nor the listener sets a buffer limit: 1 MiB. */
const DEFAULT_BUFFER_LIMIT = 1024 * 1024;

interface Attempts {
  readonly timeoutMs: number;
  readonly retry: RetryState | undefined;
  readonly body: BufferedBody | undefined;
  readonly hash: number | undefined;
}

/** Waits out a retry back-off, cut short when the request is aborted (timeout, downstream gone). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export class Router {
  private readonly clusters: ClusterManager;
  constructor(clusters: ClusterManager) {
    this.clusters = clusters;
  }

  async forward(
    s: HttpStream,
    action: RouteAction,
    matchedPrefix: string | undefined,
  ): Promise<void> {
    let target: WeightedCluster | undefined;
    let clusterName = action.cluster;
    if (action.weighted_clusters?.clusters?.length) {
      target = pickWeighted(
        action.weighted_clusters.clusters,
        action.weighted_clusters.total_weight,
      );
      clusterName = target?.name;
    } else if (action.cluster_header) {
      clusterName = s.headers.get(action.cluster_header);
    }
    const cluster = clusterName ? this.clusters.get(clusterName) : undefined;
    s.upstreamCluster = clusterName;
    if (!cluster) {
      const status =
        action.cluster_not_found_response_code === "NOT_FOUND"
          ? 404
          : action.cluster_not_found_response_code === "INTERNAL_SERVER_ERROR"
            ? 500
            : 503;
      return s.localReply({ status, flag: "NC", details: "cluster_not_found" });
    }
    rewritePath(s, action, matchedPrefix);
    if (action.host_rewrite_literal || target?.host_rewrite_literal) {
      s.authority = (target?.host_rewrite_literal ?? action.host_rewrite_literal)!;
    } else if (action.host_rewrite_header && s.headers.get(action.host_rewrite_header)) {
      s.authority = s.headers.get(action.host_rewrite_header)!;
    }
    if (target) {
      applyHeaderOps(s.headers, target.request_headers_to_add, target.request_headers_to_remove);
      s.responseHooks.push((h) =>
        applyHeaderOps(h, target.response_headers_to_add, target.response_headers_to_remove),
      );
    }
    // x-envoy-upstream-rq-timeout-ms overrides the route timeout (the edge strips it from outside)
    const headerTimeout = Number(s.headers.get("x-envoy-upstream-rq-timeout-ms") ?? Number.NaN);
    const timeoutMs =
      Number.isInteger(headerTimeout) && headerTimeout >= 0
        ? headerTimeout
        : parseDurationMs(action.timeout, 15_000);
    const vhost = s.route?.vhost.vhost;
    const policy = action.retry_policy ?? vhost?.retry_policy;
    const retry = policy ? new RetryState(policy, s.headers) : undefined;
    for (const h of RETRY_HEADERS) s.headers.remove(h);
    const copies = (retry?.maxRetries ?? 0) > 0 || !!action.request_mirror_policies?.length;
    const limit =
      s.route?.route.per_request_buffer_limit_bytes ??
      vhost?.per_request_buffer_limit_bytes ??
      DEFAULT_BUFFER_LIMIT;
    const body = s.body && copies ? new BufferedBody(s.body, limit) : undefined;
    mirrorRequest(s, action, this.clusters, body, timeoutMs);
    const hash =
      cluster.hashing && action.hash_policy ? requestHash(s, action.hash_policy) : undefined;
    await this.attempts(s, cluster, { timeoutMs, retry, body, hash });
  }

  /** Circuit breakers before the first attempt: max_requests, then HTTP/1 pending requests. */
  private overflow(cluster: UpstreamCluster, s: HttpStream): boolean {
    const t = cluster.thresholds;
    let over = cluster.activeRequests >= t.maxRequests;
    // an HTTP/1 request beyond max_connections waits for a connection: it is pending
    const waiting = cluster.activeRequests - t.maxConnections;
    if (!over && waiting >= 0 && !this.isHttp2(cluster, s)) {
      cluster.stat("upstream_cx_overflow").inc();
      over = waiting >= t.maxPendingRequests;
    }
    if (!over) return false;
    cluster.stat("upstream_rq_pending_overflow").inc();
    const headers = new HeaderMap();
    headers.set("x-envoy-overloaded", "true");
    s.localReply({
      status: 503,
      body: resetBody("overflow"),
      headers,
      flag: "UO",
      details: "upstream_reset_before_response_started{overflow}",
    });
    return true;
  }

  private async attempts(s: HttpStream, cluster: UpstreamCluster, a: Attempts): Promise<void> {
    cluster.stat("upstream_rq_total").inc();
    if (this.overflow(cluster, s)) return;
    const timer =
      a.timeoutMs > 0
        ? setTimeout(
            () => s.abort.abort(new UpstreamError("UT", "timeout", "upstream request timeout")),
            a.timeoutMs,
          )
        : undefined;
    cluster.activeRequests++;
    const tried = new Set<string>();
    const retry = a.retry;
    let retries = 0;
    let holdsRetry = false;
    try {
      for (let attempt = 1; ; attempt++) {
        const host = cluster.pick({
          hash: a.hash,
          avoid: tried,
          maxAttempts: retry?.hostSelectionAttempts,
          downstream: s.downstream,
          headers: s.headers,
        });
        if (!host)
          return s.localReply({
            status: 503,
            body: "no healthy upstream",
            flag: "UH",
            details: "no_healthy_upstream",
          });
        tried.add(host.key);
        s.upstreamHost = host.key;
        if (s.route?.vhost.vhost.include_request_attempt_count)
          s.headers.set("x-envoy-attempt-count", String(attempt));
        // Envoy tells the upstream how long this attempt may take
        const expected = retry?.perTryTimeoutMs || a.timeoutMs;
        if (expected > 0) s.headers.set("x-envoy-expected-rq-timeout-ms", String(expected));
        const perTry = retry?.perTryTimeoutMs ? new AbortController() : undefined;
        const perTryTimer = perTry
          ? setTimeout(() => perTry.abort(), retry!.perTryTimeoutMs)
          : undefined;
        const signal = perTry ? AbortSignal.any([s.abort.signal, perTry.signal]) : s.abort.signal;
        let res: UpstreamResponse | undefined;
        let err: UpstreamError | undefined;
        const t0 = performance.now();
        host.activeRequests++;
        host.totalRequests++;
        try {
          res = await this.send(s, cluster, host, a.body ? a.body.attempt() : s.body, signal);
        } catch (e) {
          err =
            s.abort.signal.aborted && s.abort.signal.reason instanceof UpstreamError
              ? s.abort.signal.reason
              : classifyUpstreamError(e);
        } finally {
          host.activeRequests--;
          clearTimeout(perTryTimer);
          if (holdsRetry) cluster.activeRetries--;
          holdsRetry = false;
        }
        const perTryTimedOut = !!perTry?.signal.aborted && !s.abort.signal.aborted;
        if (perTryTimedOut) cluster.stat("upstream_rq_per_try_timeout").inc();
        if (err?.flag === "UT" || s.downstreamClosed) {
          if (err?.flag === "UT") cluster.stat("upstream_rq_timeout").inc();
          return s.localReply({
            status: 504,
            body: "upstream request timeout",
            flag: err?.flag === "UT" ? "UT" : "DC",
            details: "upstream_response_timeout",
          });
        }
        cluster.outlier?.report(
          host,
          res ? { status: res.status } : { local: perTryTimedOut ? "timeout" : "connect-failed" },
        );
        if (res) cluster.outlier?.report(host, { local: "success" });
        const retriable = res
          ? retry?.retriableResponse(res.status, res.headers)
          : !err!.headersSent && retry?.retriableFailure(err!, perTryTimedOut);
        if (retriable && this.mayRetry(s, cluster, retries, a)) {
          res?.body.resume();
          retries++;
          cluster.activeRetries++;
          holdsRetry = true;
          cluster.stat("upstream_rq_retry").inc();
          cluster.stat("upstream_rq_retry_backoff_exponential").inc();
          await sleep(retry!.backoffMs(), s.abort.signal);
          continue;
        }
        if (err) {
          if (err.flag === "UF") cluster.stat("upstream_cx_connect_fail").inc();
          if (perTryTimedOut) {
            return s.localReply({
              status: 504,
              body: "upstream request timeout",
              flag: "UT",
              details: "upstream_per_try_timeout",
            });
          }
          return s.localReply({
            status: 503,
            body: resetBody(err.reason),
            flag: err.flag,
            details: `upstream_reset_before_response_started{${err.reason}}`,
          });
        }
        if (retries > 0 && !retriable) cluster.stat("upstream_rq_retry_success").inc();
        if (s.route?.vhost.vhost.include_attempt_count_in_response)
          res!.headers.set("x-envoy-attempt-count", String(attempt));
        await this.respond(s, cluster, res!, performance.now() - t0);
        return;
      }
    } finally {
      if (holdsRetry) cluster.activeRetries--;
      cluster.activeRequests--;
      if (timer) clearTimeout(timer);
    }
  }

  /** A retriable result is retried unless retries are used up, the body is gone, or max_retries. */
  private mayRetry(s: HttpStream, cluster: UpstreamCluster, retries: number, a: Attempts): boolean {
    if (retries >= a.retry!.maxRetries) {
      cluster.stat("upstream_rq_retry_limit_exceeded").inc();
      s.flags.add("URX");
      return false;
    }
    if (a.body && !a.body.replayable) return false;
    if (cluster.activeRetries >= cluster.thresholds.maxRetries) {
      cluster.stat("upstream_rq_retry_overflow").inc();
      s.flags.add("UO");
      return false;
    }
    return true;
  }

  private isHttp2(cluster: UpstreamCluster, s: HttpStream): boolean {
    return (
      cluster.protocol === "http2" || (cluster.protocol === "downstream" && s.protocol === "HTTP/2")
    );
  }

  private send(
    s: HttpStream,
    cluster: UpstreamCluster,
    host: Host,
    body: Readable | null,
    signal: AbortSignal,
  ): Promise<UpstreamResponse> {
    const headers = s.headers.clone();
    headers.stripHopByHop();
    if (s.headers.joined("te")?.toLowerCase().includes("trailers")) headers.set("te", "trailers");
    const req: UpstreamRequest = {
      method: s.method,
      path: s.path + s.fragment,
      authority: s.authority,
      scheme: cluster.tls ? "https" : "http",
      headers,
      body,
      signal,
    };
    return this.isHttp2(cluster, s)
      ? cluster.http2(host).request(req)
      : cluster.http1(host).request(req);
  }

  private async respond(
    s: HttpStream,
    cluster: UpstreamCluster,
    res: UpstreamResponse,
    serviceMs: number,
  ): Promise<void> {
    cluster.countResponse(res.status);
    const headers = res.headers;
    headers.stripHopByHop();
    headers.set("x-envoy-upstream-service-time", String(Math.round(serviceMs)));
    const noBody = s.method === "HEAD" || res.status === 204 || res.status === 304;
    const mayHaveTrailers =
      cluster.protocol !== "http1" ||
      (headers.get("content-type") ?? "").startsWith("application/grpc");
    s.sendHeaders(res.status, headers, false, mayHaveTrailers);
    try {
      if (noBody) res.body.resume();
      else
        await pump(res.body, s.sink.body, (n) => {
          s.bytesSent += n;
        });
      const trailers = await res.trailers;
      s.responseTrailers = trailers;
      s.sink.end(trailers);
    } catch {
      s.flags.add(s.downstreamClosed ? "DC" : "UC");
      s.sink.reset();
    }
  }
}
