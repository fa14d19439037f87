// Shapes shared by several Istio kinds: string matches, selectors, policy target references,
// percentages. Field names are the YAML (camelCase) names; durations are strings such as "1.5s".

/** A protobuf Duration as written in YAML: "10s", "1.5s", "100ms", "1h". */
export type Duration = string;

/** A free-form protobuf Struct (EnvoyFilter patches, Wasm plugin config). */
export type Struct = Record<string, unknown>;

export type Labels = Record<string, string>;

/** Exactly one of exact, prefix, regex (RE2, full match). */
export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

export interface PortSelector {
  number?: number;
}

/** A percentage as a double in 0..100. */
export interface Percent {
  value?: number;
}

/** `istio.type.v1beta1.WorkloadSelector`: security kinds, Telemetry, WasmPlugin, ProxyConfig. */
export interface WorkloadSelector {
  matchLabels?: Labels;
}

/** The networking form of a selector: Sidecar, EnvoyFilter, ServiceEntry. */
export interface NetworkWorkloadSelector {
  labels?: Labels;
}

/** Attaches a policy to a Gateway, GatewayClass, Service or ServiceEntry. */
export interface PolicyTargetReference {
  group?: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** The selector/targetRefs pair every workload-scoped policy carries. */
export interface PolicyTargeting {
  selector?: WorkloadSelector;
  targetRef?: PolicyTargetReference;
  targetRefs?: PolicyTargetReference[];
}
