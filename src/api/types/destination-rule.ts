// DestinationRule (networking.istio.io): policy applied after routing, per host, subset and port.
// Mirrors istio/api networking/v1alpha3/destination_rule.proto with YAML field names.

import type { Resource } from "../resource.ts";
import type { Duration, Labels, PortSelector, WorkloadSelector } from "./common.ts";

export interface DestinationRuleSpec {
  host: string;
  trafficPolicy?: TrafficPolicy;
  subsets?: Subset[];
  exportTo?: string[];
  workloadSelector?: WorkloadSelector;
}

export interface Subset {
  name: string;
  labels?: Labels;
  trafficPolicy?: TrafficPolicy;
}

/** The per-port part of a TrafficPolicy. */
export interface PortTrafficPolicy {
  port?: PortSelector;
  loadBalancer?: LoadBalancerSettings;
  connectionPool?: ConnectionPoolSettings;
  outlierDetection?: OutlierDetection;
  tls?: ClientTLSSettings;
}

export interface TrafficPolicy {
  loadBalancer?: LoadBalancerSettings;
  connectionPool?: ConnectionPoolSettings;
  outlierDetection?: OutlierDetection;
  tls?: ClientTLSSettings;
  portLevelSettings?: PortTrafficPolicy[];
  tunnel?: { protocol?: string; targetHost: string; targetPort: number };
  proxyProtocol?: { version?: "V1" | "V2" };
  retryBudget?: { percent?: number; minRetryConcurrency?: number; budgetInterval?: Duration };
}

export type SimpleLB =
  | "UNSPECIFIED"
  | "LEAST_CONN"
  | "RANDOM"
  | "PASSTHROUGH"
  | "ROUND_ROBIN"
  | "LEAST_REQUEST";

export interface LoadBalancerSettings {
  simple?: SimpleLB;
  consistentHash?: ConsistentHashLB;
  backendUtilization?: {
    errorUtilizationPenaltyPercent?: number;
    metricNamesForComputingUtilization?: string[];
    weightExpirationPeriod?: Duration;
    weightStabilizationPeriod?: Duration;
    weightUpdatePeriod?: Duration;
  };
  localityLbSetting?: LocalityLoadBalancerSetting;
  zoneAwareLbSetting?: {
    enabled?: boolean;
    failover?: { from?: string; to?: string }[];
    failoverPriority?: string[];
    minClusterSize?: number;
  };
  warmup?: { duration: Duration; minimumPercent?: number; aggression?: number };
  /** Deprecated: use warmup. */
  warmupDurationSecs?: Duration;
}

export interface ConsistentHashLB {
  httpHeaderName?: string;
  httpCookie?: {
    name: string;
    path?: string;
    ttl?: Duration;
    attributes?: { name: string; value?: string }[];
  };
  useSourceIp?: boolean;
  httpQueryParameterName?: string;
  ringHash?: { minimumRingSize?: number };
  maglev?: { tableSize?: number };
  /** Deprecated: use ringHash.minimumRingSize. */
  minimumRingSize?: number;
}

export interface LocalityLoadBalancerSetting {
  distribute?: { from?: string; to?: Record<string, number> }[];
  failover?: { from?: string; to?: string }[];
  failoverPriority?: string[];
  enabled?: boolean;
}

export interface ConnectionPoolSettings {
  tcp?: {
    maxConnections?: number;
    connectTimeout?: Duration;
    tcpKeepalive?: { probes?: number; time?: Duration; interval?: Duration };
    maxConnectionDuration?: Duration;
    idleTimeout?: Duration;
  };
  http?: {
    http1MaxPendingRequests?: number;
    http2MaxRequests?: number;
    maxRequestsPerConnection?: number;
    maxRetries?: number;
    idleTimeout?: Duration;
    h2UpgradePolicy?: "DEFAULT" | "DO_NOT_UPGRADE" | "UPGRADE";
    useClientProtocol?: boolean;
    maxConcurrentStreams?: number;
    http2KeepAlive?: { interval?: Duration; timeout?: Duration };
  };
}

export interface OutlierDetection {
  /** Deprecated and hidden. */
  consecutiveErrors?: number;
  splitExternalLocalOriginErrors?: boolean;
  consecutiveLocalOriginFailures?: number;
  consecutiveGatewayErrors?: number;
  consecutive5xxErrors?: number;
  interval?: Duration;
  baseEjectionTime?: Duration;
  maxEjectionPercent?: number;
  minHealthPercent?: number;
  outlierDetectionHttpErrorCodes?: number[];
}

export type ClientTLSMode = "DISABLE" | "SIMPLE" | "MUTUAL" | "ISTIO_MUTUAL";

export interface ClientTLSSettings {
  mode?: ClientTLSMode;
  clientCertificate?: string;
  privateKey?: string;
  caCertificates?: string;
  credentialName?: string;
  subjectAltNames?: string[];
  sni?: string;
  insecureSkipVerify?: boolean;
  caCrl?: string;
}

export type DestinationRule = Resource<DestinationRuleSpec>;
