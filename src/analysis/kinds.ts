// Kind ids the analyzers read, and kinds the API layer does not model but analysis still needs
// to see (CRDs, validating webhooks, mesh config): those get a local KindInfo so they can be
// indexed and named in messages like any other resource.

import type { KindInfo } from "../api/kinds.ts";

export const K = {
  VirtualService: "VirtualService.networking.istio.io",
  DestinationRule: "DestinationRule.networking.istio.io",
  Gateway: "Gateway.networking.istio.io",
  ServiceEntry: "ServiceEntry.networking.istio.io",
  Sidecar: "Sidecar.networking.istio.io",
  WorkloadEntry: "WorkloadEntry.networking.istio.io",
  EnvoyFilter: "EnvoyFilter.networking.istio.io",
  PeerAuthentication: "PeerAuthentication.security.istio.io",
  RequestAuthentication: "RequestAuthentication.security.istio.io",
  AuthorizationPolicy: "AuthorizationPolicy.security.istio.io",
  Telemetry: "Telemetry.telemetry.istio.io",
  WasmPlugin: "WasmPlugin.extensions.istio.io",
  K8sGateway: "Gateway.gateway.networking.k8s.io",
  HTTPRoute: "HTTPRoute.gateway.networking.k8s.io",
  GRPCRoute: "GRPCRoute.gateway.networking.k8s.io",
  Namespace: "Namespace",
  Service: "Service",
  Pod: "Pod",
  Secret: "Secret",
  ConfigMap: "ConfigMap",
  Node: "Node",
  Deployment: "Deployment.apps",
  MutatingWebhook: "MutatingWebhookConfiguration.admissionregistration.k8s.io",
  ValidatingWebhook: "ValidatingWebhookConfiguration.admissionregistration.k8s.io",
  CRD: "CustomResourceDefinition.apiextensions.k8s.io",
  MeshConfig: "MeshConfig",
  MeshNetworks: "MeshNetworks",
} as const;

const localKinds = new Map<string, KindInfo>();

/** A KindInfo for a kind outside the API layer's list, so analysis can still index it. */
export function localKind(group: string, kind: string, namespaced = true): KindInfo {
  const id = group ? `${kind}.${group}` : kind;
  let info = localKinds.get(id);
  if (!info) {
    info = {
      id,
      kind,
      group,
      versions: [],
      plural: `${kind.toLowerCase()}s`,
      namespaced,
      shortNames: [],
      crd: false,
    };
    localKinds.set(id, info);
  }
  return info;
}
