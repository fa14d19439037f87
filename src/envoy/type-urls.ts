// Type URLs of the xDS resources and of the typed extensions Istio puts into Envoy config.
// A DiscoveryResponse's type_url must equal every resources[i].type_url, so both sides use these.

const P = "type.googleapis.com/";

export const TYPE_URL = {
  // xDS resource types
  LISTENER: `${P}envoy.config.listener.v3.Listener`,
  ROUTE_CONFIGURATION: `${P}envoy.config.route.v3.RouteConfiguration`,
  CLUSTER: `${P}envoy.config.cluster.v3.Cluster`,
  CLUSTER_LOAD_ASSIGNMENT: `${P}envoy.config.endpoint.v3.ClusterLoadAssignment`,
  SECRET: `${P}envoy.extensions.transport_sockets.tls.v3.Secret`,
  VIRTUAL_HOST: `${P}envoy.config.route.v3.VirtualHost`,
  SCOPED_ROUTE_CONFIGURATION: `${P}envoy.config.route.v3.ScopedRouteConfiguration`,
  RUNTIME: `${P}envoy.service.runtime.v3.Runtime`,
  EXTENSION_CONFIG: `${P}envoy.config.core.v3.TypedExtensionConfig`,
  /** Istio's DNS name table (NDS), for sidecars that proxy DNS. */
  NAME_TABLE: `${P}istio.networking.nds.v1.NameTable`,
  // network filters
  HTTP_CONNECTION_MANAGER: `${P}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
  TCP_PROXY: `${P}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`,
  NETWORK_RBAC: `${P}envoy.extensions.filters.network.rbac.v3.RBAC`,
  NETWORK_EXT_AUTHZ: `${P}envoy.extensions.filters.network.ext_authz.v3.ExtAuthz`,
  NETWORK_LOCAL_RATELIMIT: `${P}envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit`,
  CONNECTION_LIMIT: `${P}envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit`,
  SNI_CLUSTER: `${P}envoy.extensions.filters.network.sni_cluster.v3.SniCluster`,
  NETWORK_DIRECT_RESPONSE: `${P}envoy.extensions.filters.network.direct_response.v3.Config`,
  // HTTP filters
  ROUTER: `${P}envoy.extensions.filters.http.router.v3.Router`,
  RBAC: `${P}envoy.extensions.filters.http.rbac.v3.RBAC`,
  RBAC_PER_ROUTE: `${P}envoy.extensions.filters.http.rbac.v3.RBACPerRoute`,
  FAULT: `${P}envoy.extensions.filters.http.fault.v3.HTTPFault`,
  CORS: `${P}envoy.extensions.filters.http.cors.v3.Cors`,
  CORS_POLICY: `${P}envoy.extensions.filters.http.cors.v3.CorsPolicy`,
  LOCAL_RATELIMIT: `${P}envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit`,
  JWT_AUTHN: `${P}envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication`,
  JWT_AUTHN_PER_ROUTE: `${P}envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig`,
  EXT_AUTHZ: `${P}envoy.extensions.filters.http.ext_authz.v3.ExtAuthz`,
  GRPC_STATS: `${P}envoy.extensions.filters.http.grpc_stats.v3.FilterConfig`,
  GRPC_WEB: `${P}envoy.extensions.filters.http.grpc_web.v3.GrpcWeb`,
  HEADER_MUTATION: `${P}envoy.extensions.filters.http.header_mutation.v3.HeaderMutation`,
  COMPRESSOR: `${P}envoy.extensions.filters.http.compressor.v3.Compressor`,
  // listener filters
  TLS_INSPECTOR: `${P}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector`,
  HTTP_INSPECTOR: `${P}envoy.extensions.filters.listener.http_inspector.v3.HttpInspector`,
  ORIGINAL_DST: `${P}envoy.extensions.filters.listener.original_dst.v3.OriginalDst`,
  ORIGINAL_SRC: `${P}envoy.extensions.filters.listener.original_src.v3.OriginalSrc`,
  PROXY_PROTOCOL: `${P}envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol`,
  // transport sockets and TLS
  UPSTREAM_TLS_CONTEXT: `${P}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
  DOWNSTREAM_TLS_CONTEXT: `${P}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
  RAW_BUFFER: `${P}envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer`,
  INTERNAL_UPSTREAM: `${P}envoy.extensions.transport_sockets.internal_upstream.v3.InternalUpstreamTransport`,
  // cluster and upstream extensions
  HTTP_PROTOCOL_OPTIONS: `${P}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
  AGGREGATE_CLUSTER: `${P}envoy.extensions.clusters.aggregate.v3.ClusterConfig`,
  ROUND_ROBIN: `${P}envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin`,
  LEAST_REQUEST: `${P}envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest`,
  RING_HASH: `${P}envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash`,
  MAGLEV: `${P}envoy.extensions.load_balancing_policies.maglev.v3.Maglev`,
  RANDOM: `${P}envoy.extensions.load_balancing_policies.random.v3.Random`,
  // access loggers and misc
  FILE_ACCESS_LOG: `${P}envoy.extensions.access_loggers.file.v3.FileAccessLog`,
  STDOUT_ACCESS_LOG: `${P}envoy.extensions.access_loggers.stream.v3.StdoutAccessLog`,
  STDERR_ACCESS_LOG: `${P}envoy.extensions.access_loggers.stream.v3.StderrAccessLog`,
  UUID_REQUEST_ID: `${P}envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig`,
  TYPED_STRUCT: `${P}xds.type.v3.TypedStruct`,
  UDPA_TYPED_STRUCT: `${P}udpa.type.v1.TypedStruct`,
  // admin config dump
  BOOTSTRAP_CONFIG_DUMP: `${P}envoy.admin.v3.BootstrapConfigDump`,
  LISTENERS_CONFIG_DUMP: `${P}envoy.admin.v3.ListenersConfigDump`,
  CLUSTERS_CONFIG_DUMP: `${P}envoy.admin.v3.ClustersConfigDump`,
  ROUTES_CONFIG_DUMP: `${P}envoy.admin.v3.RoutesConfigDump`,
  SECRETS_CONFIG_DUMP: `${P}envoy.admin.v3.SecretsConfigDump`,
  ENDPOINTS_CONFIG_DUMP: `${P}envoy.admin.v3.EndpointsConfigDump`,
} as const;

export type TypeUrl = (typeof TYPE_URL)[keyof typeof TYPE_URL];

/** The short xDS names Envoy uses in stats and logs, keyed by resource type URL. */
export const XDS_SHORT_NAME: Readonly<Record<string, string>> = {
  [TYPE_URL.LISTENER]: "lds",
  [TYPE_URL.ROUTE_CONFIGURATION]: "rds",
  [TYPE_URL.CLUSTER]: "cds",
  [TYPE_URL.CLUSTER_LOAD_ASSIGNMENT]: "eds",
  [TYPE_URL.SECRET]: "sds",
  [TYPE_URL.EXTENSION_CONFIG]: "ecds",
  [TYPE_URL.NAME_TABLE]: "nds",
};

/** Type URL for a fully qualified message name. */
export function typeUrlOf(messageName: string): string {
  return P + messageName;
}

/** Fully qualified message name from a type URL (the part after the last "/"). */
export function messageNameOf(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf("/") + 1);
}
