// MeshConfig extension providers (envoyExtAuthzHttp / envoyExtAuthzGrpc) as Envoy ext_authz
// filters for CUSTOM AuthorizationPolicies. The filter only runs when the shadow RBAC filter in
// front of it matched a CUSTOM rule of this provider (filter_enabled_metadata).

import type { ExtensionProvider } from "../../../api/mesh-config.ts";
import { TYPE_URL } from "../../../envoy/index.ts";
import { duration, type Json, outboundClusterName, typed } from "../common.ts";

export const EXT_AUTHZ_PREFIX = "istio-ext-authz";

/** Finds the hostname of a service named `host` (optionally in `namespace`). */
export type ServiceResolver = (namespace: string | undefined, host: string) => string | undefined;

export interface BuiltExtAuthz {
  readonly http: Json;
  /** Only gRPC providers work on TCP chains. */
  readonly tcp?: Json;
}

// Envoy's type.v3.StatusCode names for the codes a provider may answer with on error.
const STATUS_NAMES: Record<number, string> = {
  200: "OK",
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  429: "TooManyRequests",
  500: "InternalServerError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

function enabledMetadata(rbacFilter: string, provider: string): Json {
  return {
    filter: rbacFilter,
    path: [{ key: "istio_ext_authz_shadow_effective_policy_id" }],
    value: { string_match: { prefix: `${EXT_AUTHZ_PREFIX}-${provider}` } },
  };
}

/** Header names with `*` wildcards, matched case-insensitively. */
function headerPatterns(names: unknown): Json | undefined {
  if (!Array.isArray(names) || names.length === 0) return undefined;
  const patterns = names.map((n: string): Json => {
    if (n.startsWith("*")) return { suffix: n.slice(1), ignore_case: true };
    if (n.endsWith("*")) return { prefix: n.slice(0, -1), ignore_case: true };
    return { exact: n, ignore_case: true };
  });
  return { patterns };
}

function requestBody(b: unknown): Json | undefined {
  if (!b || typeof b !== "object") return undefined;
  const body = b as {
    maxRequestBytes?: number;
    allowPartialMessage?: boolean;
    packAsBytes?: boolean;
  };
  const out: Json = {};
  if (body.maxRequestBytes !== undefined) out.max_request_bytes = body.maxRequestBytes;
  if (body.allowPartialMessage !== undefined) out.allow_partial_message = body.allowPartialMessage;
  if (body.packAsBytes !== undefined) out.pack_as_bytes = body.packAsBytes;
  return out;
}

interface Common {
  service?: string;
  port?: number;
  timeout?: string;
  failOpen?: boolean;
  statusOnError?: string;
  includeRequestBodyInCheck?: unknown;
}

function common(p: Common, resolve: ServiceResolver) {
  const errors: string[] = [];
  const port = Number(p.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    errors.push(`port must be in the range [1, 65535], found: ${p.port}`);
  const [ns, name] = (p.service ?? "").includes("/")
    ? (p.service ?? "").split("/", 2)
    : [undefined, p.service ?? ""];
  const hostname = name ? resolve(ns, name) : undefined;
  if (!hostname) errors.push(`could not find service ${p.service ?? "(empty)"}`);
  let status: Json | undefined;
  if (p.statusOnError) {
    const code = STATUS_NAMES[Number(p.statusOnError)];
    if (!code) errors.push(`unsupported statusOnError ${p.statusOnError}`);
    status = { code };
  }
  const cluster = hostname ? outboundClusterName(port, "", hostname) : "";
  return { errors, hostname: hostname ?? "", cluster, status };
}

function setIf(o: Json, key: string, v: unknown): void {
  if (v !== undefined) o[key] = v as Json;
}

function grpcProvider(provider: string, p: Common, resolve: ServiceResolver): BuiltExtAuthz {
  const c = common(p, resolve);
  if (c.errors.length) throw new Error(c.errors.join("; "));
  const grpc = {
    envoy_grpc: { authority: c.hostname, cluster_name: c.cluster },
    timeout: duration(p.timeout) ?? "600s",
  };
  const http: Json = {};
  setIf(http, "failure_mode_allow", p.failOpen || undefined);
  http.filter_enabled_metadata = enabledMetadata("envoy.filters.http.rbac", provider);
  http.grpc_service = grpc;
  setIf(http, "status_on_error", c.status);
  http.transport_api_version = "V3";
  setIf(http, "with_request_body", requestBody(p.includeRequestBodyInCheck));
  const tcp: Json = {};
  setIf(tcp, "failure_mode_allow", p.failOpen || undefined);
  tcp.filter_enabled_metadata = enabledMetadata("envoy.filters.network.rbac", provider);
  tcp.grpc_service = grpc;
  tcp.stat_prefix = "tcp.";
  tcp.transport_api_version = "V3";
  return {
    http: { name: "envoy.filters.http.ext_authz", typed_config: typed(TYPE_URL.EXT_AUTHZ, http) },
    tcp: {
      name: "envoy.filters.network.ext_authz",
      typed_config: typed(TYPE_URL.NETWORK_EXT_AUTHZ, tcp),
    },
  };
}

interface HttpProvider extends Common {
  pathPrefix?: string;
  includeRequestHeadersInCheck?: string[];
  includeHeadersInCheck?: string[];
  includeAdditionalHeadersInCheck?: Record<string, string>;
  headersToUpstreamOnAllow?: string[];
  headersToDownstreamOnDeny?: string[];
  headersToDownstreamOnAllow?: string[];
}

function httpProvider(provider: string, p: HttpProvider, resolve: ServiceResolver): BuiltExtAuthz {
  const c = common(p, resolve);
  if (p.pathPrefix && !p.pathPrefix.startsWith("/"))
    c.errors.push(`pathPrefix must begin with \`/\`, found: ${JSON.stringify(p.pathPrefix)}`);
  if (c.errors.length) throw new Error(c.errors.join("; "));
  const service: Json = {};
  const add = Object.keys(p.includeAdditionalHeadersInCheck ?? {})
    .sort()
    .map((key) => ({ key, value: p.includeAdditionalHeadersInCheck![key] }));
  if (add.length) service.authorization_request = { headers_to_add: add };
  const response: Json = {};
  setIf(response, "allowed_client_headers", headerPatterns(p.headersToDownstreamOnDeny));
  setIf(
    response,
    "allowed_client_headers_on_success",
    headerPatterns(p.headersToDownstreamOnAllow),
  );
  setIf(response, "allowed_upstream_headers", headerPatterns(p.headersToUpstreamOnAllow));
  if (Object.keys(response).length) service.authorization_response = response;
  setIf(service, "path_prefix", p.pathPrefix || undefined);
  service.server_uri = {
    cluster: c.cluster,
    timeout: duration(p.timeout) ?? "600s",
    uri: `http://${c.hostname}`,
  };
  const http: Json = {};
  setIf(
    http,
    "allowed_headers",
    headerPatterns(p.includeRequestHeadersInCheck ?? p.includeHeadersInCheck),
  );
  setIf(http, "failure_mode_allow", p.failOpen || undefined);
  http.filter_enabled_metadata = enabledMetadata("envoy.filters.http.rbac", provider);
  http.http_service = service;
  setIf(http, "status_on_error", c.status);
  http.transport_api_version = "V3";
  setIf(http, "with_request_body", requestBody(p.includeRequestBodyInCheck));
  return {
    http: { name: "envoy.filters.http.ext_authz", typed_config: typed(TYPE_URL.EXT_AUTHZ, http) },
  };
}

/** The ext_authz filters for one provider; throws (with the reason) when it cannot be used. */
export function extAuthzFor(
  providers: readonly ExtensionProvider[],
  name: string,
  resolve: ServiceResolver,
): BuiltExtAuthz {
  const p = providers.find((x) => x.name === name);
  if (!p) throw new Error(`extension provider ${name} not found`);
  if (p.envoyExtAuthzGrpc) return grpcProvider(name, p.envoyExtAuthzGrpc as Common, resolve);
  if (p.envoyExtAuthzHttp) return httpProvider(name, p.envoyExtAuthzHttp as HttpProvider, resolve);
  throw new Error(`extension provider ${name} is not an ext_authz provider`);
}
