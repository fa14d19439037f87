// Typed forms of every kind, and accessors that narrow a Resource to its kind's spec type by
// checking `kind.id`. The spec types trust structural validation (CRD schemas) for field types;
// code that reads unvalidated input must still guard.

import type { Resource } from "../resource.ts";
import type { DestinationRuleSpec } from "./destination-rule.ts";
import type { EnvoyFilterSpec, ProxyConfigSpec } from "./envoy-filter.ts";
import type { TrafficExtensionSpec, WasmPluginSpec } from "./extensions.ts";
import type { GatewaySpec } from "./gateway.ts";
import type {
  BackendTLSPolicySpec,
  GatewayClassSpec,
  KubeGatewaySpec,
  ListenerSetSpec,
  ReferenceGrantSpec,
} from "./gateway-api.ts";
import type {
  GRPCRouteSpec,
  HTTPRouteSpec,
  TCPRouteSpec,
  TLSRouteSpec,
  UDPRouteSpec,
} from "./gateway-api-routes.ts";
import type {
  ConfigMapSpec,
  EndpointSliceSpec,
  EndpointsSpec,
  IngressClassSpec,
  IngressSpec,
  NamespaceSpec,
  NodeSpec,
  SecretSpec,
  ServiceAccountSpec,
  ServiceSpec,
} from "./kubernetes.ts";
import type { DeploymentSpec, PodSpec, PodStatus } from "./kubernetes-workloads.ts";
import type {
  AuthorizationPolicySpec,
  PeerAuthenticationSpec,
  RequestAuthenticationSpec,
} from "./security.ts";
import type { ServiceEntrySpec, WorkloadEntrySpec, WorkloadGroupSpec } from "./service-entry.ts";
import type { SidecarSpec } from "./sidecar.ts";
import type { TelemetrySpec } from "./telemetry.ts";
import type { VirtualServiceSpec } from "./virtual-service.ts";

export type * from "./common.ts";
export type * from "./destination-rule.ts";
export type * from "./envoy-filter.ts";
export type * from "./extensions.ts";
export type * from "./gateway.ts";
export type * from "./gateway-api.ts";
export type * from "./gateway-api-routes.ts";
export type * from "./kubernetes.ts";
export type * from "./kubernetes-workloads.ts";
export type * from "./security.ts";
export type * from "./service-entry.ts";
export type * from "./sidecar.ts";
export type * from "./telemetry.ts";
export type * from "./virtual-service.ts";

/** Kind ids (`KindInfo.id`) by the name code uses for them. */
export const KIND = {
  VirtualService: "VirtualService.networking.istio.io",
  DestinationRule: "DestinationRule.networking.istio.io",
  Gateway: "Gateway.networking.istio.io",
  ServiceEntry: "ServiceEntry.networking.istio.io",
  Sidecar: "Sidecar.networking.istio.io",
  WorkloadEntry: "WorkloadEntry.networking.istio.io",
  WorkloadGroup: "WorkloadGroup.networking.istio.io",
  EnvoyFilter: "EnvoyFilter.networking.istio.io",
  ProxyConfig: "ProxyConfig.networking.istio.io",
  PeerAuthentication: "PeerAuthentication.security.istio.io",
  RequestAuthentication: "RequestAuthentication.security.istio.io",
  AuthorizationPolicy: "AuthorizationPolicy.security.istio.io",
  Telemetry: "Telemetry.telemetry.istio.io",
  WasmPlugin: "WasmPlugin.extensions.istio.io",
  TrafficExtension: "TrafficExtension.extensions.istio.io",
  GatewayClass: "GatewayClass.gateway.networking.k8s.io",
  KubeGateway: "Gateway.gateway.networking.k8s.io",
  HTTPRoute: "HTTPRoute.gateway.networking.k8s.io",
  GRPCRoute: "GRPCRoute.gateway.networking.k8s.io",
  TCPRoute: "TCPRoute.gateway.networking.k8s.io",
  TLSRoute: "TLSRoute.gateway.networking.k8s.io",
  UDPRoute: "UDPRoute.gateway.networking.k8s.io",
  ReferenceGrant: "ReferenceGrant.gateway.networking.k8s.io",
  ListenerSet: "ListenerSet.gateway.networking.k8s.io",
  BackendTLSPolicy: "BackendTLSPolicy.gateway.networking.k8s.io",
  Namespace: "Namespace",
  Service: "Service",
  Endpoints: "Endpoints",
  Pod: "Pod",
  Secret: "Secret",
  ConfigMap: "ConfigMap",
  ServiceAccount: "ServiceAccount",
  Node: "Node",
  EndpointSlice: "EndpointSlice.discovery.k8s.io",
  Deployment: "Deployment.apps",
  Ingress: "Ingress.networking.k8s.io",
  IngressClass: "IngressClass.networking.k8s.io",
} as const;

/** The spec type of each kind, by the names in KIND. */
export interface SpecByKind {
  VirtualService: VirtualServiceSpec;
  DestinationRule: DestinationRuleSpec;
  Gateway: GatewaySpec;
  ServiceEntry: ServiceEntrySpec;
  Sidecar: SidecarSpec;
  WorkloadEntry: WorkloadEntrySpec;
  WorkloadGroup: WorkloadGroupSpec;
  EnvoyFilter: EnvoyFilterSpec;
  ProxyConfig: ProxyConfigSpec;
  PeerAuthentication: PeerAuthenticationSpec;
  RequestAuthentication: RequestAuthenticationSpec;
  AuthorizationPolicy: AuthorizationPolicySpec;
  Telemetry: TelemetrySpec;
  WasmPlugin: WasmPluginSpec;
  TrafficExtension: TrafficExtensionSpec;
  GatewayClass: GatewayClassSpec;
  KubeGateway: KubeGatewaySpec;
  HTTPRoute: HTTPRouteSpec;
  GRPCRoute: GRPCRouteSpec;
  TCPRoute: TCPRouteSpec;
  TLSRoute: TLSRouteSpec;
  UDPRoute: UDPRouteSpec;
  ReferenceGrant: ReferenceGrantSpec;
  ListenerSet: ListenerSetSpec;
  BackendTLSPolicy: BackendTLSPolicySpec;
  Namespace: NamespaceSpec;
  Service: ServiceSpec;
  Endpoints: EndpointsSpec;
  Pod: PodSpec;
  Secret: SecretSpec;
  ConfigMap: ConfigMapSpec;
  ServiceAccount: ServiceAccountSpec;
  Node: NodeSpec;
  EndpointSlice: EndpointSliceSpec;
  Deployment: DeploymentSpec;
  Ingress: IngressSpec;
  IngressClass: IngressClassSpec;
}

export type KindName = keyof SpecByKind;
export type TypedResource<K extends KindName> = Resource<SpecByKind[K]>;

/** Type guard: `isKind(r, "VirtualService")` narrows `r.spec` to VirtualServiceSpec. */
export function isKind<K extends KindName>(r: Resource<unknown>, kind: K): r is TypedResource<K> {
  return r.kind.id === KIND[kind];
}

/** The resource as kind K, or undefined when it is another kind. */
export function asKind<K extends KindName>(
  r: Resource<unknown>,
  kind: K,
): TypedResource<K> | undefined {
  return isKind(r, kind) ? r : undefined;
}

export const asVirtualService = (r: Resource<unknown>) => asKind(r, "VirtualService");
export const asDestinationRule = (r: Resource<unknown>) => asKind(r, "DestinationRule");
export const asGateway = (r: Resource<unknown>) => asKind(r, "Gateway");
export const asServiceEntry = (r: Resource<unknown>) => asKind(r, "ServiceEntry");
export const asSidecar = (r: Resource<unknown>) => asKind(r, "Sidecar");
export const asWorkloadEntry = (r: Resource<unknown>) => asKind(r, "WorkloadEntry");
export const asWorkloadGroup = (r: Resource<unknown>) => asKind(r, "WorkloadGroup");
export const asEnvoyFilter = (r: Resource<unknown>) => asKind(r, "EnvoyFilter");
export const asProxyConfig = (r: Resource<unknown>) => asKind(r, "ProxyConfig");
export const asPeerAuthentication = (r: Resource<unknown>) => asKind(r, "PeerAuthentication");
export const asRequestAuthentication = (r: Resource<unknown>) => asKind(r, "RequestAuthentication");
export const asAuthorizationPolicy = (r: Resource<unknown>) => asKind(r, "AuthorizationPolicy");
export const asTelemetry = (r: Resource<unknown>) => asKind(r, "Telemetry");
export const asWasmPlugin = (r: Resource<unknown>) => asKind(r, "WasmPlugin");
export const asKubeGateway = (r: Resource<unknown>) => asKind(r, "KubeGateway");
export const asHTTPRoute = (r: Resource<unknown>) => asKind(r, "HTTPRoute");
export const asService = (r: Resource<unknown>) => asKind(r, "Service");
export const asPod = (r: Resource<unknown>) => asKind(r, "Pod");
export const asEndpointSlice = (r: Resource<unknown>) => asKind(r, "EndpointSlice");

/** A Pod's status (addresses, phase), which the generic Resource keeps untyped. */
export function podStatus(pod: TypedResource<"Pod">): PodStatus {
  return (pod.status ?? {}) as PodStatus;
}
