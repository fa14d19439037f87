// VirtualService HTTP routes → Envoy routes, as Istio's route/route.go translates them: one
// Envoy route per match, weighted clusters, redirects, rewrites, direct responses, header
// operations, mirrors, CORS and fault as typed per-filter config, timeouts and retries.

import type {
  Destination,
  Headers,
  HTTPMatchRequest,
  HTTPRetry,
  HTTPRoute,
} from "../../api/types/index.ts";
import { TYPE_URL } from "../../envoy/index.ts";
import type { MeshProxy } from "../../model/proxy.ts";
import type { PushContext } from "../../model/push-context.ts";
import { MESH_GATEWAY, type VirtualServiceConfig } from "../../model/virtual-services.ts";
import { selectorMatches } from "../../registry/workloads.ts";
import { effectivePolicy } from "./cluster-policy.ts";
import {
  duration,
  fractionalPercent,
  istioConfigRef,
  type Json,
  outboundClusterName,
  stringMatcher,
  typed,
} from "./common.ts";

export interface RouteContext {
  readonly proxy: MeshProxy;
  readonly push: PushContext;
  /** The listener (service) port the routes serve. */
  readonly port: number;
  /** `mesh` for sidecars, `ns/name` for a gateway. */
  readonly gateway: string;
}

const GRPC_CODES: Record<string, number> = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
};

const REDIRECT_CODES: Record<number, string> = {
  301: "MOVED_PERMANENTLY",
  302: "FOUND",
  303: "SEE_OTHER",
  307: "TEMPORARY_REDIRECT",
  308: "PERMANENT_REDIRECT",
};

/** The cluster a destination names, with Istio's port defaulting. */
export function destinationCluster(d: Destination, ctx: RouteContext): string {
  const svc = ctx.push.serviceFor(ctx.proxy, d.host);
  let port = d.port?.number;
  if (port === undefined) {
    if (svc?.ports.length === 1) port = svc.ports[0].port;
    else if (svc?.ports.some((p) => p.port === ctx.port)) port = ctx.port;
    else port = svc?.ports[0]?.port ?? ctx.port;
  }
  return outboundClusterName(port, d.subset ?? "", d.host);
}

function matchApplies(m: HTTPMatchRequest, ctx: RouteContext): boolean {
  if (m.port !== undefined && m.port !== ctx.port) return false;
  if (m.gateways?.length && !m.gateways.includes(ctx.gateway)) return false;
  if (m.sourceLabels && Object.keys(m.sourceLabels).length > 0) {
    if (ctx.gateway !== MESH_GATEWAY || !selectorMatches(m.sourceLabels, ctx.proxy.labels))
      return false;
  }
  if (
    m.sourceNamespace &&
    (ctx.gateway !== MESH_GATEWAY || m.sourceNamespace !== ctx.proxy.namespace)
  ) {
    return false;
  }
  return true;
}

/** Routes of one VirtualService's `http` section, for one listener port. Each carries the
 * VirtualService's config reference in its metadata, as Istio's translateRoute sets it. */
export function translateHttpRoutes(
  vs: VirtualServiceConfig,
  ctx: RouteContext,
  host: string,
): Json[] {
  const out: Json[] = [];
  const config = istioConfigRef("virtual-service", vs.namespace, vs.name);
  for (const r of vs.spec.http ?? []) {
    const matches = r.match?.length ? r.match.filter((m) => matchApplies(m, ctx)) : [undefined];
    // A route whose every match is for another port, gateway or client does not apply here.
    if (matches.length === 0) continue;
    for (const m of matches)
      out.push({
        ...translateRoute(r, m, ctx, host),
        metadata: { filter_metadata: { istio: { config } } },
      });
    if (matches.some((m) => m === undefined || isCatchAll(m))) break;
  }
  return out;
}

function isCatchAll(m: HTTPMatchRequest): boolean {
  const uri = m.uri;
  const catchAllUri = !uri || uri.prefix === "/" || uri.regex === "*" || uri.regex === ".*";
  return (
    catchAllUri &&
    !m.headers &&
    !m.queryParams &&
    !m.method &&
    !m.authority &&
    !m.scheme &&
    !m.withoutHeaders
  );
}

function routeMatch(m: HTTPMatchRequest | undefined): Json {
  const out: Json = {};
  const uri = m?.uri;
  if (uri?.exact !== undefined) out.path = uri.exact;
  else if (uri?.regex !== undefined) out.safe_regex = { regex: uri.regex };
  else out.prefix = uri?.prefix ?? "/";
  if (m?.ignoreUriCase) out.case_sensitive = false;
  const headers: Json[] = [];
  const header = (
    name: string,
    sm: { exact?: string; prefix?: string; regex?: string },
    invert = false,
  ) => {
    const h: Json = { name };
    if (sm.exact === undefined && sm.prefix === undefined && sm.regex === undefined)
      h.present_match = true;
    else h.string_match = stringMatcher(sm);
    if (invert) h.invert_match = true;
    headers.push(h);
  };
  if (m?.method) header(":method", m.method);
  if (m?.authority) header(":authority", m.authority);
  if (m?.scheme) header(":scheme", m.scheme);
  for (const [k, v] of Object.entries(m?.headers ?? {})) header(k.toLowerCase(), v);
  for (const [k, v] of Object.entries(m?.withoutHeaders ?? {})) header(k.toLowerCase(), v, true);
  if (headers.length) out.headers = headers;
  const qp = Object.entries(m?.queryParams ?? {}).map(
    ([name, v]): Json =>
      v.exact === undefined && v.prefix === undefined && v.regex === undefined
        ? { name, present_match: true }
        : { name, string_match: stringMatcher(v) },
  );
  if (qp.length) out.query_parameters = qp;
  return out;
}

function headerOps(h: Headers | undefined, out: Json): void {
  const ops = (o: { set?: Record<string, string>; add?: Record<string, string> } | undefined) => [
    ...Object.entries(o?.set ?? {}).map(([key, value]) => ({
      header: { key, value },
      append_action: "OVERWRITE_IF_EXISTS_OR_ADD",
    })),
    ...Object.entries(o?.add ?? {}).map(([key, value]) => ({
      header: { key, value },
      append_action: "APPEND_IF_EXISTS_OR_ADD",
    })),
  ];
  const reqAdd = ops(h?.request);
  const resAdd = ops(h?.response);
  if (reqAdd.length) out.request_headers_to_add = reqAdd;
  if (h?.request?.remove?.length) out.request_headers_to_remove = h.request.remove;
  if (resAdd.length) out.response_headers_to_add = resAdd;
  if (h?.response?.remove?.length) out.response_headers_to_remove = h.response.remove;
}

/** Headers of a single destination apply to the whole route, after the route's own. */
function mergeHeaders(a: Headers | undefined, b: Headers | undefined): Headers | undefined {
  if (!b) return a;
  if (!a) return b;
  const side = (x: Headers["request"], y: Headers["request"]) => ({
    set: { ...x?.set, ...y?.set },
    add: { ...x?.add, ...y?.add },
    remove: [...(x?.remove ?? []), ...(y?.remove ?? [])],
  });
  return { request: side(a.request, b.request), response: side(a.response, b.response) };
}

/** Istio's default retry policy when a route sets none (route/retry/retry.go). */
export function retryPolicy(r: HTTPRetry | undefined, grpc: boolean): Json | undefined {
  if (r && (r.attempts ?? 0) <= 0 && r.attempts !== undefined) return undefined;
  const retryOn =
    r?.retryOn ?? "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";
  const parts = retryOn
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const codes = parts.filter((p) => /^\d{3}$/.test(p)).map(Number);
  const names = parts.filter((p) => !/^\d{3}$/.test(p));
  if (codes.length && !names.includes("retriable-status-codes"))
    names.push("retriable-status-codes");
  const out: Json = { retry_on: names.join(","), num_retries: r?.attempts ?? 2 };
  if (r?.perTryTimeout) out.per_try_timeout = duration(r.perTryTimeout)!;
  if (r?.backoff) out.retry_back_off = { base_interval: duration(r.backoff)! };
  if (grpc) return out;
  if (r?.retryIgnorePreviousHosts !== false) {
    out.retry_host_predicate = [
      {
        name: "envoy.retry_host_predicates.previous_hosts",
        typed_config: typed(
          "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate",
        ),
      },
    ];
  }
  out.host_selection_retry_max_attempts = "5";
  if (codes.length) out.retriable_status_codes = codes;
  else if (names.includes("retriable-status-codes")) out.retriable_status_codes = [503];
  return out;
}

function faultConfig(r: HTTPRoute): Json | undefined {
  const f = r.fault;
  if (!f || (!f.delay && !f.abort)) return undefined;
  const out: Json = {};
  if (f.delay) {
    out.delay = {
      fixed_delay: duration(f.delay.fixedDelay ?? f.delay.exponentialDelay) ?? "0s",
      percentage: fractionalPercent(f.delay.percentage?.value ?? f.delay.percent),
    };
  }
  if (f.abort) {
    const abort: Json = { percentage: fractionalPercent(f.abort.percentage?.value) };
    if (f.abort.grpcStatus !== undefined) {
      abort.grpc_status =
        GRPC_CODES[f.abort.grpcStatus.toUpperCase()] ?? Number(f.abort.grpcStatus);
    } else if (f.abort.http2Error) abort.http_status = 503;
    else abort.http_status = f.abort.httpStatus ?? 503;
    out.abort = abort;
  }
  return typed(TYPE_URL.FAULT, out);
}

function corsPolicy(r: HTTPRoute): Json | undefined {
  const c = r.corsPolicy;
  if (!c) return undefined;
  const out: Json = {};
  const origins = [
    ...(c.allowOrigins ?? []).map((o) => stringMatcher(o)),
    ...(c.allowOrigin ?? []).map((o): Json => (o === "*" ? { prefix: "*" } : { exact: o })),
  ];
  if (origins.length) out.allow_origin_string_match = origins;
  if (c.allowMethods?.length) out.allow_methods = c.allowMethods.join(",");
  if (c.allowHeaders?.length) out.allow_headers = c.allowHeaders.join(",");
  if (c.exposeHeaders?.length) out.expose_headers = c.exposeHeaders.join(",");
  if (c.maxAge) out.max_age = String(Math.round(Number.parseFloat(duration(c.maxAge)!)));
  if (c.allowCredentials !== undefined) out.allow_credentials = c.allowCredentials;
  if (c.unmatchedPreflights === "IGNORE") out.forward_not_matching_preflights = false;
  return typed(TYPE_URL.CORS_POLICY, out);
}

function translateRoute(
  r: HTTPRoute,
  m: HTTPMatchRequest | undefined,
  ctx: RouteContext,
  host: string,
): Json {
  const grpc = ctx.proxy.generator === "grpc";
  const out: Json = { match: routeMatch(m) };
  const name = m?.name ?? r.name;
  if (name) out.name = name;
  const perFilter: Json = {};
  if (r.redirect) {
    const rd = r.redirect;
    const redirect: Json = {};
    if (rd.uri) redirect.path_redirect = rd.uri;
    if (rd.authority) redirect.host_redirect = rd.authority;
    if (rd.port) redirect.port_redirect = rd.port;
    else if (rd.derivePort === "FROM_PROTOCOL_DEFAULT")
      redirect.port_redirect = rd.scheme === "https" ? 443 : 80;
    if (rd.scheme) redirect.scheme_redirect = rd.scheme;
    redirect.response_code = REDIRECT_CODES[rd.redirectCode ?? 301] ?? "MOVED_PERMANENTLY";
    out.redirect = redirect;
  } else if (r.directResponse) {
    const dr: Json = { status: r.directResponse.status };
    const body = r.directResponse.body;
    if (body?.string !== undefined) dr.body = { inline_string: body.string };
    else if (body?.bytes !== undefined) dr.body = { inline_bytes: body.bytes };
    out.direct_response = dr;
  } else {
    out.route = routeAction(r, m, ctx);
    if (!grpc) out.decorator = { operation: routeOperation(r, ctx, host) };
  }
  headerOps(mergeHeaders(r.headers, r.route?.length === 1 ? r.route[0].headers : undefined), out);
  const fault = faultConfig(r);
  if (fault) perFilter["envoy.filters.http.fault"] = fault;
  const cors = grpc ? undefined : corsPolicy(r);
  if (cors) perFilter["envoy.filters.http.cors"] = cors;
  if (Object.keys(perFilter).length) out.typed_per_filter_config = perFilter;
  return out;
}

/** Istio's tracing operation: the (first) destination's `host:port/*`. */
function routeOperation(r: HTTPRoute, ctx: RouteContext, host: string): string {
  const d = r.route?.[0]?.destination;
  if (!d) return `${host}:${ctx.port}/*`;
  const cluster = destinationCluster(d, ctx).split("|");
  return `${d.host}:${cluster[1]}/*`;
}

function routeAction(r: HTTPRoute, m: HTTPMatchRequest | undefined, ctx: RouteContext): Json {
  const grpc = ctx.proxy.generator === "grpc";
  const action: Json = {};
  const dests = (r.route ?? []).filter((d, _, all) => all.length === 1 || (d.weight ?? 0) > 0);
  if (dests.length === 1) {
    action.cluster = destinationCluster(dests[0].destination, ctx);
    const hash = hashPolicy(dests[0].destination, ctx);
    if (hash) action.hash_policy = [hash];
  } else if (dests.length > 1) {
    action.weighted_clusters = {
      clusters: dests.map((d) => {
        const c: Json = { name: destinationCluster(d.destination, ctx), weight: d.weight ?? 0 };
        headerOps(d.headers, c);
        return c;
      }),
    };
  } else {
    action.cluster = "BlackHoleCluster";
  }
  const timeout = duration(r.timeout) ?? "0s";
  action.timeout = timeout;
  action.max_stream_duration = { max_stream_duration: timeout, grpc_timeout_header_max: timeout };
  const retry = retryPolicy(r.retries, grpc);
  if (retry) action.retry_policy = retry;
  const rw = r.rewrite;
  if (rw?.uri !== undefined) {
    if (m?.uri?.exact !== undefined || m?.uri?.regex !== undefined) {
      action.regex_rewrite = { pattern: { regex: ".*" }, substitution: rw.uri };
    } else action.prefix_rewrite = rw.uri;
  }
  if (rw?.uriRegexRewrite?.match !== undefined) {
    action.regex_rewrite = {
      pattern: { regex: rw.uriRegexRewrite.match },
      substitution: rw.uriRegexRewrite.rewrite ?? "",
    };
  }
  if (rw?.authority) action.host_rewrite_literal = rw.authority;
  const mirrors = [
    ...(r.mirror
      ? [
          {
            destination: r.mirror,
            percentage:
              r.mirrorPercentage ??
              (r.mirrorPercent !== undefined ? { value: r.mirrorPercent } : undefined),
          },
        ]
      : []),
    ...(r.mirrors ?? []),
  ];
  if (mirrors.length && !grpc) {
    action.request_mirror_policies = mirrors.map((mp) => ({
      cluster: destinationCluster(mp.destination, ctx),
      runtime_fraction: { default_value: fractionalPercent(mp.percentage?.value) },
      trace_sampled: false,
    }));
  }
  return action;
}

/** Consistent-hash DestinationRules put their hash key on the route. */
function hashPolicy(d: Destination, ctx: RouteContext): Json | undefined {
  const svc = ctx.push.serviceFor(ctx.proxy, d.host);
  if (!svc) return undefined;
  const dr = ctx.push.destinationRule(ctx.proxy, svc);
  if (!dr) return undefined;
  const subset = d.subset ? dr.spec.subsets?.find((s) => s.name === d.subset) : undefined;
  const port = d.port?.number ?? svc.ports[0]?.port ?? ctx.port;
  const ch = effectivePolicy(dr.spec.trafficPolicy, subset, port)?.loadBalancer?.consistentHash;
  if (!ch) return undefined;
  if (ch.httpHeaderName) return { header: { header_name: ch.httpHeaderName } };
  if (ch.httpCookie) {
    const cookie: Json = { name: ch.httpCookie.name };
    if (ch.httpCookie.path) cookie.path = ch.httpCookie.path;
    if (ch.httpCookie.ttl) cookie.ttl = duration(ch.httpCookie.ttl)!;
    return { cookie };
  }
  if (ch.useSourceIp) return { connection_properties: { source_ip: true } };
  if (ch.httpQueryParameterName) return { query_parameter: { name: ch.httpQueryParameterName } };
  return undefined;
}
