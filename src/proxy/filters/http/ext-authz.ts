// envoy.filters.http.ext_authz (what Istio's envoyExtAuthzHttp / envoyExtAuthzGrpc extension
// providers generate for CUSTOM AuthorizationPolicies). With an HTTP service the check request
// goes to http_service.server_uri.cluster through the cluster manager, with the original method and
// (path_prefix +) path and the allowed request headers. A 2xx answer lets the request through
// with allowed_upstream_headers copied onto it; any other answer is returned to the client as is
// (status, body, allowed_client_headers), flag UAEX. An unreachable or slow server denies with
// status_on_error (403), unless failure_mode_allow. filter_enabled_metadata (Istio: the shadow
// RBAC filter matched a CUSTOM rule of this provider) restricts which requests are checked;
// ExtAuthzPerRoute `disabled` turns the filter off for a route. Stats are Envoy's
// `cluster.<route cluster>.ext_authz.{ok,denied,error,failure_mode_allowed}`. The gRPC service
// (Authorization/Check) is in ext-authz-grpc.ts. Not done: with_request_body.

import http from "node:http";
import { TYPE_URL } from "../../../envoy/index.ts";
import { clusterScope, httpScope } from "../../../telemetry/stats.ts";
import type { StringMatcher, TypedConfig } from "../../config-types.ts";
import { parseDurationMs } from "../../duration.ts";
import { HeaderMap, HOP_BY_HOP } from "../../http/headers.ts";
import type { HttpStream } from "../../http/stream.ts";
import { compileStringMatcher } from "../../routing/string-matcher.ts";
import {
  compileMetadataMatcher,
  type DynamicMetadata,
  type MetadataMatcherConfig,
} from "../metadata-matcher.ts";
import { grpcCheck } from "./ext-authz-grpc.ts";
import type { FilterContext, FilterResult, HttpFilter, HttpFilterFactory } from "./filter.ts";
import { unwrapTypedStruct } from "./typed-struct.ts";

interface ListStringMatcher {
  patterns?: StringMatcher[];
}

interface ExtAuthzConfig {
  http_service?: {
    server_uri?: { uri?: string; cluster?: string; timeout?: string };
    path_prefix?: string;
    authorization_request?: {
      allowed_headers?: ListStringMatcher;
      headers_to_add?: { key?: string; value?: string }[];
    };
    authorization_response?: {
      allowed_upstream_headers?: ListStringMatcher;
      allowed_client_headers?: ListStringMatcher;
      allowed_client_headers_on_success?: ListStringMatcher;
    };
  };
  grpc_service?: { envoy_grpc?: { cluster_name?: string }; timeout?: string };
  failure_mode_allow?: boolean;
  failure_mode_allow_header_add?: boolean;
  status_on_error?: { code?: string | number };
  filter_enabled_metadata?: MetadataMatcherConfig;
  allowed_headers?: ListStringMatcher;
  with_request_body?: unknown;
}

interface ExtAuthzPerRoute {
  disabled?: boolean;
  check_settings?: { context_extensions?: Record<string, string> };
}

type HeaderTest = (name: string) => boolean;

// type.v3.StatusCode names Istio writes for status_on_error.
const STATUS_CODES: Record<string, number> = {
  OK: 200,
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  TooManyRequests: 429,
  InternalServerError: 500,
  BadGateway: 502,
  ServiceUnavailable: 503,
  GatewayTimeout: 504,
};

// Envoy always lets these through to the client on a denial once allowed_client_headers is set.
const DENY_ALWAYS = new Set(["www-authenticate", "location"]);
// Never copied from the authz response: framing is ours, the authority is the client's.
const NEVER_COPIED = new Set(["content-length", "transfer-encoding", "host", ...HOP_BY_HOP]);
const MAX_RESPONSE_BYTES = 1 << 20;

function headerTest(l: ListStringMatcher | undefined, path: string): HeaderTest | undefined {
  if (!l) return undefined;
  const all = (l.patterns ?? []).map((m, i) => compileStringMatcher(m, `${path}.patterns[${i}]`));
  return (name) => all.some((t) => t(name));
}

interface CheckResponse {
  status: number;
  headers: HeaderMap;
  body: string;
}

/** What the authorization service decided, with the headers it sets on either side. */
export interface AuthzVerdict {
  readonly allowed: boolean;
  readonly status: number;
  readonly body: string;
  /** Set on the request when allowed. */
  readonly upstreamHeaders: HeaderMap;
  /** Set on the response to the client (the denial, or the upstream's answer). */
  readonly clientHeaders: HeaderMap;
}

interface Compiled {
  readonly grpc: boolean;
  readonly cluster: string;
  readonly authority: string;
  readonly timeoutMs: number;
  readonly pathPrefix: string;
  readonly headersToAdd: readonly [string, string][];
  readonly requestHeaders: HeaderTest | undefined;
  readonly upstreamHeaders: HeaderTest | undefined;
  readonly clientHeaders: HeaderTest | undefined;
  readonly clientHeadersOnSuccess: HeaderTest | undefined;
  readonly enabled: ((md: DynamicMetadata) => boolean) | undefined;
  readonly statusOnError: number;
  readonly failureModeAllow: boolean;
  readonly failureHeader: boolean;
}

function compile(raw: TypedConfig, path: string): Compiled {
  const cfg = unwrapTypedStruct(raw, path) as ExtAuthzConfig;
  if (cfg.with_request_body) throw new Error(`${path}.with_request_body: not supported`);
  const code = cfg.status_on_error?.code;
  const statusOnError =
    code === undefined ? 403 : typeof code === "number" ? code : (STATUS_CODES[code] ?? NaN);
  if (!(statusOnError >= 200 && statusOnError < 600)) {
    throw new Error(`${path}.status_on_error.code: unknown status ${String(code)}`);
  }
  const common = {
    enabled: cfg.filter_enabled_metadata
      ? compileMetadataMatcher(cfg.filter_enabled_metadata, `${path}.filter_enabled_metadata`)
      : undefined,
    statusOnError,
    failureModeAllow: cfg.failure_mode_allow === true,
    failureHeader: cfg.failure_mode_allow_header_add === true,
    requestHeaders: headerTest(cfg.allowed_headers, `${path}.allowed_headers`),
  };
  if (cfg.grpc_service) {
    const cluster = cfg.grpc_service.envoy_grpc?.cluster_name;
    if (!cluster) throw new Error(`${path}.grpc_service.envoy_grpc.cluster_name: required`);
    return {
      ...common,
      grpc: true,
      cluster,
      authority: "",
      timeoutMs: parseDurationMs(cfg.grpc_service.timeout, 200),
      pathPrefix: "",
      headersToAdd: [],
      upstreamHeaders: undefined,
      clientHeaders: undefined,
      clientHeadersOnSuccess: undefined,
    };
  }
  const svc = cfg.http_service;
  if (!svc) throw new Error(`${path}: http_service or grpc_service is required`);
  const uri = svc.server_uri;
  if (!uri?.cluster) throw new Error(`${path}.http_service.server_uri.cluster: required`);
  if (!uri.uri || !URL.canParse(uri.uri)) {
    throw new Error(`${path}.http_service.server_uri.uri: a URL is required`);
  }
  const prefix = svc.path_prefix ?? "";
  if (prefix && !prefix.startsWith("/")) {
    throw new Error(`${path}.http_service.path_prefix: must begin with /`);
  }
  const resp = svc.authorization_response;
  const rp = `${path}.http_service.authorization_response`;
  return {
    ...common,
    grpc: false,
    cluster: uri.cluster,
    authority: new URL(uri.uri).host,
    timeoutMs: parseDurationMs(uri.timeout, 200),
    pathPrefix: prefix,
    headersToAdd: (svc.authorization_request?.headers_to_add ?? []).map((h, i) => {
      if (!h.key)
        throw new Error(
          `${path}.http_service.authorization_request.headers_to_add[${i}].key: required`,
        );
      return [h.key.toLowerCase(), h.value ?? ""];
    }),
    requestHeaders:
      common.requestHeaders ??
      headerTest(
        svc.authorization_request?.allowed_headers,
        `${path}.http_service.authorization_request.allowed_headers`,
      ),
    upstreamHeaders: headerTest(resp?.allowed_upstream_headers, `${rp}.allowed_upstream_headers`),
    clientHeaders: headerTest(resp?.allowed_client_headers, `${rp}.allowed_client_headers`),
    clientHeadersOnSuccess: headerTest(
      resp?.allowed_client_headers_on_success,
      `${rp}.allowed_client_headers_on_success`,
    ),
  };
}

/** Copies the authz response headers `allow` selects (all but framing ones without a list). */
function copyHeaders(from: HeaderMap, to: HeaderMap, allow: HeaderTest | undefined): void {
  for (const [k, v] of from.entries()) {
    if (!NEVER_COPIED.has(k) && (!allow || allow(k))) to.set(k, v);
  }
}

class ExtAuthzFilter implements HttpFilter {
  readonly name: string;
  private readonly c: Compiled;
  private readonly ctx: FilterContext;

  constructor(name: string, c: Compiled, ctx: FilterContext) {
    this.name = name;
    this.c = c;
    this.ctx = ctx;
  }

  async decodeHeaders(s: HttpStream, perRoute: TypedConfig | undefined): Promise<FilterResult> {
    const c = this.c;
    if ((perRoute as ExtAuthzPerRoute | undefined)?.disabled) return undefined;
    if (c.enabled && !c.enabled(s.dynamicMetadata)) return undefined;
    const routeCluster = s.route?.route.route?.cluster;
    const scope = routeCluster ? clusterScope(routeCluster) : httpScope(this.ctx.statPrefix);
    const count = (n: string) => this.ctx.stats.counter(scope, `ext_authz.${n}`).inc();
    let v: AuthzVerdict;
    try {
      v = await this.verdict(s, perRoute as ExtAuthzPerRoute | undefined);
    } catch {
      count("error");
      if (c.failureModeAllow) {
        count("failure_mode_allowed");
        if (c.failureHeader) s.headers.set("x-envoy-auth-failure-mode-allowed", "true");
        return undefined;
      }
      return { status: c.statusOnError, flag: "UAEX", details: "ext_authz_error" };
    }
    if (v.allowed) {
      count("ok");
      for (const [k, val] of v.upstreamHeaders.entries()) s.headers.set(k, val);
      if (v.clientHeaders.entries().length) {
        s.responseHooks.push((h) => copyHeaders(v.clientHeaders, h, undefined));
      }
      return undefined;
    }
    count("denied");
    const headers = new HeaderMap();
    copyHeaders(v.clientHeaders, headers, undefined);
    return { status: v.status, body: v.body, headers, flag: "UAEX", details: "ext_authz_denied" };
  }

  private async verdict(
    s: HttpStream,
    perRoute: ExtAuthzPerRoute | undefined,
  ): Promise<AuthzVerdict> {
    const c = this.c;
    const host = this.ctx.clusters.get(c.cluster)?.pick();
    if (!host) throw new Error(`no healthy host in ${c.cluster}`);
    const address = host.hostname ?? host.address;
    if (c.grpc) {
      const ext = perRoute?.check_settings?.context_extensions ?? {};
      return grpcCheck(`${address}:${host.port}`, s, c.timeoutMs, ext);
    }
    const r = await this.check(s, address, host.port);
    const pick = (allow: HeaderTest | undefined) => {
      const h = new HeaderMap();
      if (allow) copyHeaders(r.headers, h, allow);
      return h;
    };
    if (r.status >= 200 && r.status < 300) {
      return {
        allowed: true,
        status: r.status,
        body: "",
        upstreamHeaders: pick(c.upstreamHeaders),
        clientHeaders: pick(c.clientHeadersOnSuccess),
      };
    }
    const allow = c.clientHeaders;
    const clientHeaders = new HeaderMap();
    copyHeaders(r.headers, clientHeaders, allow && ((k) => allow(k) || DENY_ALWAYS.has(k)));
    return {
      allowed: false,
      status: r.status,
      body: r.body,
      upstreamHeaders: new HeaderMap(),
      clientHeaders,
    };
  }

  /** The check request: the original method and path, headers the config lets through. */
  private check(s: HttpStream, address: string, port: number): Promise<CheckResponse> {
    const c = this.c;
    const headers: Record<string, string> = {};
    for (const [k, v] of s.headers.entries()) {
      if (HOP_BY_HOP.has(k) || k === "content-length" || k === "transfer-encoding") continue;
      if (!c.requestHeaders || c.requestHeaders(k) || k === "authorization") {
        headers[k] = headers[k] === undefined ? v : `${headers[k]},${v}`;
      }
    }
    headers.host = s.authority;
    for (const [k, v] of c.headersToAdd) headers[k] = v;
    headers["content-length"] = "0";
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: address,
          port,
          method: s.method,
          path: `${c.pathPrefix}${s.path}`,
          headers,
          timeout: c.timeoutMs,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (b: Buffer) => {
            size += b.length;
            if (size > MAX_RESPONSE_BYTES) req.destroy(new Error("authz response too large"));
            else chunks.push(b);
          });
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: HeaderMap.fromRaw(res.rawHeaders),
              body: Buffer.concat(chunks).toString("utf8"),
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error("ext_authz timeout")));
      req.on("error", reject);
      req.end();
    });
  }
}

export const extAuthzFilter: HttpFilterFactory = {
  typeUrl: TYPE_URL.EXT_AUTHZ,
  create: (name, config, path, ctx) => new ExtAuthzFilter(name, compile(config, path), ctx),
};
