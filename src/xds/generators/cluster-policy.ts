// DestinationRule traffic policy → Envoy cluster settings, as Istio's cluster_traffic_policy.go:
// load balancer, connection pool (circuit breakers, timeouts, keepalive), outlier detection,
// upstream TLS (SIMPLE, MUTUAL, ISTIO_MUTUAL via SDS) and auto-mTLS transport socket matches.

import type {
  ClientTLSSettings,
  LocalityLoadBalancerSetting,
  PortTrafficPolicy,
  Subset,
  TrafficPolicy,
} from "../../api/types/index.ts";
import { TYPE_URL } from "../../envoy/index.ts";
import { duration, type Json, typed } from "./common.ts";

const MAX_U32 = 4294967295;

/** The policy in force for one port of one subset: subset fields over DR fields, then port level. */
export function effectivePolicy(
  policy: TrafficPolicy | undefined,
  subset: Subset | undefined,
  port: number,
): PortTrafficPolicy | undefined {
  const pick = (p: TrafficPolicy | undefined): PortTrafficPolicy | undefined => {
    if (!p) return undefined;
    // Port-level settings replace the top-level policy as a whole for that port.
    const pl = p.portLevelSettings?.find((s) => s.port?.number === port);
    if (pl) return pl;
    const { loadBalancer, connectionPool, outlierDetection, tls } = p;
    return { loadBalancer, connectionPool, outlierDetection, tls };
  };
  const base = pick(policy);
  const sub = pick(subset?.trafficPolicy);
  if (!sub) return base;
  return {
    loadBalancer: sub.loadBalancer ?? base?.loadBalancer,
    connectionPool: sub.connectionPool ?? base?.connectionPool,
    outlierDetection: sub.outlierDetection ?? base?.outlierDetection,
    tls: sub.tls ?? base?.tls,
  };
}

export interface PolicyContext {
  readonly http2: boolean;
  /** Proxyless gRPC: ROUND_ROBIN instead of LEAST_REQUEST, no transport sockets. */
  readonly grpc: boolean;
  readonly autoMtls: boolean;
  /** SNI Istio uses for ISTIO_MUTUAL: `outbound_.9080_.v1_.reviews.default.svc.cluster.local`. */
  readonly istioSni: string;
  readonly connectTimeout: string;
  readonly meshExternal: boolean;
  /** The mesh-wide setting, used when the DestinationRule has none. */
  readonly localityLbSetting?: LocalityLoadBalancerSetting;
}

/** Mutates a cluster under construction with the policy's settings. */
export function applyTrafficPolicy(
  cluster: Json,
  p: PortTrafficPolicy | undefined,
  ctx: PolicyContext,
): void {
  cluster.connect_timeout = duration(p?.connectionPool?.tcp?.connectTimeout) ?? ctx.connectTimeout;
  applyLoadBalancer(cluster, p, ctx);
  applyConnectionPool(cluster, p, ctx);
  if (p?.outlierDetection) applyOutlierDetection(cluster, p);
  // Istio's applyLocalityLoadBalancer: locality weights when distributing, or when failing over
  // (explicit failover or failoverPriority, with outlier detection to notice the failure)
  const locality = p?.loadBalancer?.localityLbSetting ?? ctx.localityLbSetting;
  const failover =
    p?.outlierDetection !== undefined &&
    (!!locality?.failover?.length || !!locality?.failoverPriority?.length);
  if (locality?.enabled !== false && (locality?.distribute?.length || failover)) {
    const common = (cluster.common_lb_config as Json | undefined) ?? {};
    common.locality_weighted_lb_config = {};
    cluster.common_lb_config = common;
  }
  if (!ctx.grpc) applyTls(cluster, p?.tls, ctx);
}

function applyLoadBalancer(
  cluster: Json,
  p: PortTrafficPolicy | undefined,
  ctx: PolicyContext,
): void {
  const lb = p?.loadBalancer;
  if (lb?.consistentHash) {
    const ch = lb.consistentHash;
    if (ch.maglev) {
      cluster.lb_policy = "MAGLEV";
      if (ch.maglev.tableSize) cluster.maglev_lb_config = { table_size: ch.maglev.tableSize };
    } else {
      cluster.lb_policy = "RING_HASH";
      const size = ch.ringHash?.minimumRingSize ?? ch.minimumRingSize;
      cluster.ring_hash_lb_config = { minimum_ring_size: String(size ?? 1024) };
    }
    return;
  }
  switch (lb?.simple) {
    case "ROUND_ROBIN":
      cluster.lb_policy = "ROUND_ROBIN";
      break;
    case "RANDOM":
      cluster.lb_policy = ctx.grpc ? "ROUND_ROBIN" : "RANDOM";
      break;
    case "PASSTHROUGH":
      cluster.type = "ORIGINAL_DST";
      cluster.lb_policy = "CLUSTER_PROVIDED";
      delete cluster.eds_cluster_config;
      break;
    default:
      // Istio's default is LEAST_REQUEST; gRPC clients NACK it, so they get ROUND_ROBIN.
      cluster.lb_policy = ctx.grpc ? "ROUND_ROBIN" : "LEAST_REQUEST";
  }
}

function applyConnectionPool(
  cluster: Json,
  p: PortTrafficPolicy | undefined,
  ctx: PolicyContext,
): void {
  const cp = p?.connectionPool;
  if (!ctx.grpc) {
    cluster.circuit_breakers = {
      thresholds: [
        {
          max_connections: cp?.tcp?.maxConnections ?? MAX_U32,
          max_pending_requests: cp?.http?.http1MaxPendingRequests ?? MAX_U32,
          max_requests: cp?.http?.http2MaxRequests ?? MAX_U32,
          max_retries: cp?.http?.maxRetries ?? MAX_U32,
          track_remaining: true,
        },
      ],
    };
  }
  const ka = cp?.tcp?.tcpKeepalive;
  if (ka) {
    const keep: Json = {};
    if (ka.probes) keep.keepalive_probes = ka.probes;
    if (ka.time) keep.keepalive_time = Math.round(Number.parseFloat(duration(ka.time)!));
    if (ka.interval)
      keep.keepalive_interval = Math.round(Number.parseFloat(duration(ka.interval)!));
    cluster.upstream_connection_options = { tcp_keepalive: keep };
  }
  const common: Json = {};
  if (cp?.http?.idleTimeout) common.idle_timeout = duration(cp.http.idleTimeout)!;
  if (cp?.http?.maxRequestsPerConnection)
    common.max_requests_per_connection = cp.http.maxRequestsPerConnection;
  if (cp?.tcp?.maxConnectionDuration)
    common.max_connection_duration = duration(cp.tcp.maxConnectionDuration)!;
  const upgrade = cp?.http?.h2UpgradePolicy === "UPGRADE";
  if (ctx.grpc) return;
  if (ctx.http2 || upgrade || Object.keys(common).length > 0) {
    const opts: Json = {};
    if (Object.keys(common).length > 0) opts.common_http_protocol_options = common;
    const h2: Json = {};
    if (cp?.http?.maxConcurrentStreams) h2.max_concurrent_streams = cp.http.maxConcurrentStreams;
    if (cp?.http?.useClientProtocol) {
      opts.use_downstream_protocol_config = {
        http_protocol_options: {},
        http2_protocol_options: h2,
      };
    } else {
      opts.explicit_http_config =
        ctx.http2 || upgrade ? { http2_protocol_options: h2 } : { http_protocol_options: {} };
    }
    cluster.typed_extension_protocol_options = {
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": typed(
        TYPE_URL.HTTP_PROTOCOL_OPTIONS,
        opts,
      ),
    };
  }
}

function applyOutlierDetection(cluster: Json, p: PortTrafficPolicy): void {
  const od = p.outlierDetection!;
  const out: Json = { enforcing_success_rate: 0 };
  const c5 = od.consecutive5xxErrors ?? od.consecutiveErrors;
  if (c5 !== undefined) {
    out.consecutive_5xx = c5;
    out.enforcing_consecutive_5xx = c5 > 0 ? 100 : 0;
  }
  if (od.consecutiveGatewayErrors !== undefined) {
    out.consecutive_gateway_failure = od.consecutiveGatewayErrors;
    out.enforcing_consecutive_gateway_failure = od.consecutiveGatewayErrors > 0 ? 100 : 0;
  }
  if (od.interval) out.interval = duration(od.interval)!;
  if (od.baseEjectionTime) out.base_ejection_time = duration(od.baseEjectionTime)!;
  if (od.maxEjectionPercent) out.max_ejection_percent = od.maxEjectionPercent;
  if (od.splitExternalLocalOriginErrors) {
    out.split_external_local_origin_errors = true;
    if (od.consecutiveLocalOriginFailures) {
      out.consecutive_local_origin_failure = od.consecutiveLocalOriginFailures;
      out.enforcing_consecutive_local_origin_failure = 100;
    }
  }
  cluster.outlier_detection = out;
  const common = (cluster.common_lb_config as Json | undefined) ?? {};
  common.healthy_panic_threshold = { value: od.minHealthPercent ?? 0 };
  cluster.common_lb_config = common;
}

export function istioMutualTlsContext(sni: string): Json {
  return {
    name: "envoy.transport_sockets.tls",
    typed_config: typed(TYPE_URL.UPSTREAM_TLS_CONTEXT, {
      common_tls_context: {
        alpn_protocols: ["istio-peer-exchange", "istio"],
        tls_certificate_sds_secret_configs: [sdsSecret("default")],
        combined_validation_context: {
          default_validation_context: {},
          validation_context_sds_secret_config: sdsSecret("ROOTCA"),
        },
      },
      sni,
    }),
  };
}

export function sdsSecret(name: string): Json {
  return {
    name,
    sds_config: {
      api_config_source: {
        api_type: "GRPC",
        transport_api_version: "V3",
        grpc_services: [{ envoy_grpc: { cluster_name: "sds-grpc" } }],
        set_node_on_first_message_only: true,
      },
      resource_api_version: "V3",
    },
  };
}

function applyTls(cluster: Json, tls: ClientTLSSettings | undefined, ctx: PolicyContext): void {
  if (!tls) {
    // Auto mTLS: mesh endpoints (tlsMode=istio) get ISTIO_MUTUAL, the rest plaintext.
    if (ctx.autoMtls && !ctx.meshExternal) {
      cluster.transport_socket_matches = [
        {
          name: "tlsMode-istio",
          match: { tlsMode: "istio" },
          transport_socket: istioMutualTlsContext(ctx.istioSni),
        },
        {
          name: "tlsMode-disabled",
          match: {},
          transport_socket: {
            name: "envoy.transport_sockets.raw_buffer",
            typed_config: typed(TYPE_URL.RAW_BUFFER),
          },
        },
      ];
    }
    return;
  }
  switch (tls.mode) {
    case "ISTIO_MUTUAL":
      cluster.transport_socket = istioMutualTlsContext(tls.sni ?? ctx.istioSni);
      return;
    case "SIMPLE":
    case "MUTUAL": {
      const common: Json = {};
      if (tls.credentialName) {
        const cred = `kubernetes://${tls.credentialName}`;
        if (tls.mode === "MUTUAL") common.tls_certificate_sds_secret_configs = [sdsSecret(cred)];
        common.combined_validation_context = {
          default_validation_context: sanMatchers(tls.subjectAltNames),
          validation_context_sds_secret_config: sdsSecret(`${cred}-cacert`),
        };
      } else {
        const validation: Json = sanMatchers(tls.subjectAltNames);
        if (tls.caCertificates) validation.trusted_ca = { filename: tls.caCertificates };
        if (tls.caCrl) validation.crl = { filename: tls.caCrl };
        if (Object.keys(validation).length > 0 && !tls.insecureSkipVerify)
          common.validation_context = validation;
        if (tls.mode === "MUTUAL" && tls.clientCertificate && tls.privateKey) {
          common.tls_certificates = [
            {
              certificate_chain: { filename: tls.clientCertificate },
              private_key: { filename: tls.privateKey },
            },
          ];
        }
      }
      const ctxJson: Json = { common_tls_context: common };
      if (tls.sni) ctxJson.sni = tls.sni;
      cluster.transport_socket = {
        name: "envoy.transport_sockets.tls",
        typed_config: typed(TYPE_URL.UPSTREAM_TLS_CONTEXT, ctxJson),
      };
      return;
    }
    default:
      return;
  }
}

function sanMatchers(sans: readonly string[] | undefined): Json {
  if (!sans?.length) return {};
  return {
    match_typed_subject_alt_names: sans.map((s) => ({ san_type: "DNS", matcher: { exact: s } })),
  };
}
