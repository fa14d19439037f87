// Telemetry (telemetry.istio.io): tracing, metrics and access logging per workload, namespace or
// mesh, naming MeshConfig extension providers.

import type { Resource } from "../resource.ts";
import type { Duration, PolicyTargeting } from "./common.ts";

export type WorkloadMode = "CLIENT_AND_SERVER" | "CLIENT" | "SERVER";

export interface ProviderRef {
  name: string;
}

export interface TracingCustomTag {
  literal?: { value?: string };
  environment?: { name: string; defaultValue?: string };
  header?: { name: string; defaultValue?: string };
  formatter?: { value: string };
}

export interface Tracing {
  match?: { mode?: WorkloadMode };
  providers?: ProviderRef[];
  randomSamplingPercentage?: number;
  disableSpanReporting?: boolean;
  customTags?: Record<string, TracingCustomTag>;
  useRequestIdForTraceSampling?: boolean;
  enableIstioTags?: boolean;
  disableContextPropagation?: boolean;
}

export type MetricSelectorName =
  | "ALL_METRICS"
  | "REQUEST_COUNT"
  | "REQUEST_DURATION"
  | "REQUEST_SIZE"
  | "RESPONSE_SIZE"
  | "TCP_OPENED_CONNECTIONS"
  | "TCP_CLOSED_CONNECTIONS"
  | "TCP_SENT_BYTES"
  | "TCP_RECEIVED_BYTES"
  | "GRPC_REQUEST_MESSAGES"
  | "GRPC_RESPONSE_MESSAGES";

export interface MetricsOverrides {
  match?: { metric?: MetricSelectorName; customMetric?: string; mode?: WorkloadMode };
  disabled?: boolean;
  tagOverrides?: Record<string, { operation?: "UPSERT" | "REMOVE"; value?: string }>;
}

export interface Metrics {
  providers?: ProviderRef[];
  overrides?: MetricsOverrides[];
  reportingInterval?: Duration;
}

export interface AccessLogging {
  match?: { mode?: WorkloadMode };
  providers?: ProviderRef[];
  disabled?: boolean;
  filter?: { expression?: string };
}

export interface TelemetrySpec extends PolicyTargeting {
  tracing?: Tracing[];
  metrics?: Metrics[];
  accessLogging?: AccessLogging[];
}

export type Telemetry = Resource<TelemetrySpec>;
