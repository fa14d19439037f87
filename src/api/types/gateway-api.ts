// Kubernetes Gateway API (gateway.networking.k8s.io): GatewayClass, Gateway, ListenerSet,
// ReferenceGrant and BackendTLSPolicy, with the fields Istio reads. Routes are in
// gateway-api-routes.ts.

import type { Resource } from "../resource.ts";
import type { Labels } from "./common.ts";

/** A reference to a parent Gateway, ListenerSet or Service (for mesh routes). */
export interface ParentReference {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export interface SecretObjectReference {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
}

export interface LocalObjectReference {
  group: string;
  kind: string;
  name: string;
}

export interface GatewayClassSpec {
  controllerName: string;
  parametersRef?: { group: string; kind: string; name: string; namespace?: string };
  description?: string;
}

export interface GatewayTLSConfig {
  mode?: "Terminate" | "Passthrough";
  certificateRefs?: SecretObjectReference[];
  frontendValidation?: { caCertificateRefs?: SecretObjectReference[] };
  options?: Record<string, string>;
}

export interface RouteGroupKind {
  group?: string;
  kind: string;
}

export interface Listener {
  name: string;
  hostname?: string;
  port: number;
  protocol: string;
  tls?: GatewayTLSConfig;
  allowedRoutes?: {
    namespaces?: {
      from?: "All" | "Same" | "Selector" | "None";
      selector?: { matchLabels?: Labels; matchExpressions?: LabelSelectorRequirement[] };
    };
    kinds?: RouteGroupKind[];
  };
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface GatewayAddress {
  type?: "IPAddress" | "Hostname" | "NamedAddress" | string;
  value: string;
}

export interface KubeGatewaySpec {
  gatewayClassName: string;
  listeners?: Listener[];
  addresses?: GatewayAddress[];
  infrastructure?: {
    labels?: Labels;
    annotations?: Record<string, string>;
    parametersRef?: LocalObjectReference;
  };
  allowedListeners?: { namespaces?: { from?: string; selector?: { matchLabels?: Labels } } };
  tls?: {
    backend?: { clientCertificateRef?: SecretObjectReference };
    frontend?: Record<string, unknown>;
  };
}

export interface ListenerSetSpec {
  parentRef: ParentReference;
  listeners: Listener[];
}

export interface ReferenceGrantSpec {
  from: { group: string; kind: string; namespace: string }[];
  to: { group: string; kind: string; name?: string }[];
}

export interface BackendTLSPolicySpec {
  targetRefs: (LocalObjectReference & { sectionName?: string })[];
  validation: {
    caCertificateRefs?: LocalObjectReference[];
    wellKnownCACertificates?: "System";
    hostname: string;
    subjectAltNames?: { type: "Hostname" | "URI"; hostname?: string; uri?: string }[];
  };
  options?: Record<string, string>;
}

export type GatewayClass = Resource<GatewayClassSpec>;
/** The Gateway API Gateway (`Gateway.gateway.networking.k8s.io`), not Istio's Gateway. */
export type KubeGateway = Resource<KubeGatewaySpec>;
export type ListenerSet = Resource<ListenerSetSpec>;
export type ReferenceGrant = Resource<ReferenceGrantSpec>;
export type BackendTLSPolicy = Resource<BackendTLSPolicySpec>;
