// envoy.filters.http.router: the terminal HTTP filter. Picks the cluster (single, weighted or from
// a header), applies rewrites and header ops, enforces circuit breakers and the route timeout,
// retries what is safe to retry, forwards over the cluster's pool and streams the response back.

import { TYPE_URL } from "../../../envoy/index.ts";
import type { RetryPolicy, RouteAction, WeightedCluster } from "../../config-types.ts";
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
import type { HttpFilterFactory } from "./filter.ts";
import { requestHash } from "./hash-policy.ts";

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

function rewritePath(s: HttpStream, action: RouteAction, matchedPrefix: string | undefined): void {
  const q = s.path.indexOf("?");
  const pathOnly = q >= 0 ? s.path.slice(0, q) : s.path;
  const query = q >= 0 ? s.path.slice(q) : "";
  let next = pathOnly;
  if (action.prefix_rewrite !== undefined && matchedPrefix !== undefined) {
    next = action.prefix_rewrite + pathOnly.slice(matchedPrefix.length);
  } else if (action.regex_rewrite?.pattern?.regex !== undefined) {
    const re = compileRegex(action.regex_rewrite.pattern.regex, "regex_rewrite.pattern.regex");
    const sub = (action.regex_rewrite.substitution ?? "")
      .replace(/\$/g, "$$$$")
      .replace(/\\(\d)/g, "$$$1");
    next = re.matcher(pathOnly).replaceAll(sub);
  }
  if (next !== pathOnly) {
    s.headers.set("x-envoy-original-path", s.path);
    s.path = (next || "/") + query;
  }
}

function retryable(
  policy: RetryPolicy | undefined,
  status: number | undefined,
  err: UpstreamError | undefined,
): boolean {
  if (!policy) return false;
  const on = new Set((policy.retry_on ?? "").split(",").map((x) => x.trim()));
  if (err) {
    if (on.has("connect-failure") && err.flag === "UF") return true;
    if ((on.has("reset") || on.has("5xx") || on.has("gateway-error")) && !err.headersSent)
      return true;
    return false;
  }
  if (status === undefined) return false;
  if (on.has("5xx") && status >= 500) return true;
  if (on.has("gateway-error") && (status === 502 || status === 503 || status === 504)) return true;
  if (on.has("retriable-status-codes") && policy.retriable_status_codes?.includes(status))
    return true;
  return false;
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
    const timeoutMs = parseDurationMs(action.timeout, 15_000);
    const policy = action.retry_policy ?? s.route?.vhost.vhost.retry_policy;
    // a streamed body cannot be replayed, so only body-less requests are retried
    const maxRetries = s.body === null && policy ? (policy.num_retries ?? 1) : 0;
    this.mirror(s, action);
    const hash =
      cluster.hashing && action.hash_policy ? requestHash(s, action.hash_policy) : undefined;
    await this.attempts(s, cluster, timeoutMs, policy, maxRetries, hash);
  }

  private async attempts(
    s: HttpStream,
    cluster: UpstreamCluster,
    timeoutMs: number,
    policy: RetryPolicy | undefined,
    maxRetries: number,
    hash: number | undefined,
  ): Promise<void> {
    cluster.stat("upstream_rq_total").inc();
    if (cluster.activeRequests >= cluster.thresholds.maxRequests) {
      cluster.stat("upstream_rq_pending_overflow").inc();
      return s.localReply({
        status: 503,
        body: resetBody("overflow"),
        flag: "UO",
        details: "upstream_reset_before_response_started{overflow}",
      });
    }
    const timer =
      timeoutMs > 0
        ? setTimeout(
            () => s.abort.abort(new UpstreamError("UT", "timeout", "upstream request timeout")),
            timeoutMs,
          )
        : undefined;
    cluster.activeRequests++;
    try {
      for (let attempt = 0; ; attempt++) {
        const host = cluster.pick({ hash, downstream: s.downstream, headers: s.headers });
        if (!host)
          return s.localReply({
            status: 503,
            body: "no healthy upstream",
            flag: "UH",
            details: "no_healthy_upstream",
          });
        s.upstreamHost = host.key;
        if (s.route?.vhost.vhost.include_request_attempt_count)
          s.headers.set("x-envoy-attempt-count", String(attempt + 1));
        let res: UpstreamResponse | undefined;
        let err: UpstreamError | undefined;
        const t0 = performance.now();
        host.activeRequests++;
        host.totalRequests++;
        try {
          res = await this.send(s, cluster, host);
        } catch (e) {
          err =
            s.abort.signal.aborted && s.abort.signal.reason instanceof UpstreamError
              ? s.abort.signal.reason
              : classifyUpstreamError(e);
        } finally {
          host.activeRequests--;
        }
        cluster.outlier?.report(
          host,
          res
            ? { status: res.status }
            : { local: err?.flag === "UT" ? "timeout" : "connect-failed" },
        );
        if (res) cluster.outlier?.report(host, { local: "success" });
        if (err?.flag === "UT" || s.downstreamClosed) {
          if (err?.flag === "UT") cluster.stat("upstream_rq_timeout").inc();
          return s.localReply({
            status: 504,
            body: "upstream request timeout",
            flag: err?.flag === "UT" ? "UT" : "DC",
            details: "upstream_response_timeout",
          });
        }
        const canRetry = attempt < maxRetries && retryable(policy, res?.status, err);
        if (canRetry) {
          cluster.stat("upstream_rq_retry").inc();
          res?.body.resume();
          continue;
        }
        if (err) {
          if (err.flag === "UF") cluster.stat("upstream_cx_connect_fail").inc();
          if (attempt > 0 && attempt >= maxRetries) s.flags.add("URX");
          return s.localReply({
            status: 503,
            body: resetBody(err.reason),
            flag: err.flag,
            details: `upstream_reset_before_response_started{${err.reason}}`,
          });
        }
        if (attempt > 0 && retryable(policy, res!.status, undefined)) s.flags.add("URX");
        await this.respond(s, cluster, res!, performance.now() - t0);
        return;
      }
    } finally {
      cluster.activeRequests--;
      if (timer) clearTimeout(timer);
    }
  }

  private send(s: HttpStream, cluster: UpstreamCluster, host: Host): Promise<UpstreamResponse> {
    const headers = s.headers.clone();
    headers.stripHopByHop();
    if (s.headers.joined("te")?.toLowerCase().includes("trailers")) headers.set("te", "trailers");
    const h2 =
      cluster.protocol === "http2" ||
      (cluster.protocol === "downstream" && s.protocol === "HTTP/2");
    const req: UpstreamRequest = {
      method: s.method,
      path: s.path + s.fragment,
      authority: s.authority,
      scheme: cluster.tls ? "https" : "http",
      headers,
      body: s.body,
      signal: s.abort.signal,
    };
    return h2 ? cluster.http2(host).request(req) : cluster.http1(host).request(req);
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

  /** Shadows body-less requests to mirror clusters, Host suffixed "-shadow"; answers are dropped. */
  private mirror(s: HttpStream, action: RouteAction): void {
    if (s.body !== null) return;
    for (const m of action.request_mirror_policies ?? []) {
      const c = m.cluster ? this.clusters.get(m.cluster) : undefined;
      const host = c?.pick();
      if (!c || !host) continue;
      const headers = new HeaderMap();
      for (const [k, v] of s.headers.entries()) headers.add(k, v);
      headers.stripHopByHop();
      const authority = s.authority.replace(/^([^:]*)/, "$1-shadow");
      const req: UpstreamRequest = {
        method: s.method,
        path: s.path,
        authority,
        scheme: "http",
        headers,
        body: null,
      };
      const p = c.protocol === "http2" ? c.http2(host).request(req) : c.http1(host).request(req);
      p.then((r) => r.body.resume()).catch(() => undefined);
    }
  }
}
