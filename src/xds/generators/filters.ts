// Network filters and filter chains the listener generators share: the HTTP connection manager
// (RDS or inline routes), tcp_proxy (single or weighted clusters), TLS contexts for servers.

import { TYPE_URL } from "../../envoy/index.ts";
import { sdsSecret } from "./cluster-policy.ts";
import { adsConfigSource, httpFilter, type Json, ROUTER_FILTER, typed } from "./common.ts";

export interface HcmOptions {
  readonly statPrefix: string;
  readonly rds?: string;
  readonly routeConfig?: Json;
  /** Proxyless gRPC clients know only fault and router. */
  readonly grpc?: boolean;
  readonly gateway?: boolean;
  /** Server-side jwt_authn and authorization filters, which run before all others. */
  readonly security?: readonly Json[];
  /** MeshConfig pathNormalization (NONE, BASE, MERGE_SLASHES, DECODE_AND_MERGE_SLASHES). */
  readonly pathNormalization?: string;
}

/**
 * How the HCM canonicalizes paths before routing and authorization, per Istio's MeshConfig
 * pathNormalization (BASE by default: RFC 3986 normalization, slashes and %2F kept as sent).
 */
function pathNormalization(mode: string | undefined): Json {
  switch (mode) {
    case "NONE":
      return {
        normalize_path: false,
        merge_slashes: false,
        path_with_escaped_slashes_action: "KEEP_UNCHANGED",
      };
    case "MERGE_SLASHES":
      return {
        normalize_path: true,
        merge_slashes: true,
        path_with_escaped_slashes_action: "KEEP_UNCHANGED",
      };
    case "DECODE_AND_MERGE_SLASHES":
      return {
        normalize_path: true,
        merge_slashes: true,
        path_with_escaped_slashes_action: "UNESCAPE_AND_FORWARD",
      };
    default:
      return {
        normalize_path: true,
        merge_slashes: false,
        path_with_escaped_slashes_action: "KEEP_UNCHANGED",
      };
  }
}

export function httpConnectionManager(o: HcmOptions): Json {
  const filters = o.grpc
    ? [httpFilter("envoy.filters.http.fault", TYPE_URL.FAULT), ROUTER_FILTER]
    : [
        ...(o.security ?? []),
        httpFilter("envoy.filters.http.fault", TYPE_URL.FAULT),
        httpFilter("envoy.filters.http.cors", TYPE_URL.CORS),
        ROUTER_FILTER,
      ];
  const hcm: Json = { stat_prefix: o.statPrefix, http_filters: filters };
  if (o.rds) hcm.rds = { config_source: adsConfigSource(), route_config_name: o.rds };
  else if (o.routeConfig) hcm.route_config = o.routeConfig;
  if (!o.grpc) {
    hcm.use_remote_address = o.gateway === true;
    Object.assign(hcm, pathNormalization(o.pathNormalization));
    hcm.upgrade_configs = [{ upgrade_type: "websocket" }];
    hcm.stream_idle_timeout = "0s";
  }
  return typed(TYPE_URL.HTTP_CONNECTION_MANAGER, hcm);
}

export const HCM_FILTER = "envoy.filters.network.http_connection_manager";

export function hcmFilter(o: HcmOptions): Json {
  return {
    name: HCM_FILTER,
    typed_config: httpConnectionManager(o),
  };
}

export function tcpProxyFilter(
  statPrefix: string,
  cluster: string | { name: string; weight: number }[],
): Json {
  const cfg: Json = { stat_prefix: statPrefix };
  if (typeof cluster === "string") cfg.cluster = cluster;
  else
    cfg.weighted_clusters = { clusters: cluster.map((c) => ({ name: c.name, weight: c.weight })) };
  return { name: "envoy.filters.network.tcp_proxy", typed_config: typed(TYPE_URL.TCP_PROXY, cfg) };
}

export function listenerFilter(name: string, typeUrl: string): Json {
  return { name, typed_config: typed(typeUrl) };
}

export const TLS_INSPECTOR = listenerFilter(
  "envoy.filters.listener.tls_inspector",
  TYPE_URL.TLS_INSPECTOR,
);
export const HTTP_INSPECTOR = listenerFilter(
  "envoy.filters.listener.http_inspector",
  TYPE_URL.HTTP_INSPECTOR,
);
export const ORIGINAL_DST = listenerFilter(
  "envoy.filters.listener.original_dst",
  TYPE_URL.ORIGINAL_DST,
);

/** The mesh's own server-side mTLS (workload certificate and root from SDS). */
export function istioServerTls(requireClientCert = true): Json {
  return {
    name: "envoy.transport_sockets.tls",
    typed_config: typed(TYPE_URL.DOWNSTREAM_TLS_CONTEXT, {
      common_tls_context: {
        alpn_protocols: ["h2", "http/1.1"],
        tls_certificate_sds_secret_configs: [sdsSecret("default")],
        combined_validation_context: {
          default_validation_context: {},
          validation_context_sds_secret_config: sdsSecret("ROOTCA"),
        },
      },
      require_client_certificate: requireClientCert,
    }),
  };
}
