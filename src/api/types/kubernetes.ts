// The core Kubernetes kinds the mesh reads: Namespace, Service, Endpoints, EndpointSlice, Secret,
// ConfigMap, ServiceAccount, Node, Ingress, IngressClass. For kinds without a `spec`, the
// resource's `spec` holds the remaining top-level fields (see resource.ts). Pods and Deployments
// are in kubernetes-workloads.ts.

import type { Resource } from "../resource.ts";
import type { Labels } from "./common.ts";

export interface NamespaceSpec {
  finalizers?: string[];
}

export interface ServicePortSpec {
  name?: string;
  protocol?: "TCP" | "UDP" | "SCTP";
  appProtocol?: string;
  port: number;
  /** A number or the name of a container port. */
  targetPort?: number | string;
  nodePort?: number;
}

export interface ServiceSpec {
  type?: "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName";
  selector?: Labels;
  ports?: ServicePortSpec[];
  clusterIP?: string;
  clusterIPs?: string[];
  externalName?: string;
  externalIPs?: string[];
  loadBalancerIP?: string;
  sessionAffinity?: string;
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  publishNotReadyAddresses?: boolean;
  internalTrafficPolicy?: "Cluster" | "Local";
  externalTrafficPolicy?: "Cluster" | "Local";
  trafficDistribution?: string;
}

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
}

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: string;
  appProtocol?: string;
}

/** `Endpoints` has no spec: its top-level `subsets` land here. */
export interface EndpointsSpec {
  subsets?: {
    addresses?: EndpointAddress[];
    notReadyAddresses?: EndpointAddress[];
    ports?: EndpointPort[];
  }[];
}

/** `EndpointSlice` has no spec: its top-level fields land here. */
export interface EndpointSliceSpec {
  addressType?: "IPv4" | "IPv6" | "FQDN";
  endpoints?: {
    addresses: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
    hostname?: string;
    targetRef?: ObjectReference;
    nodeName?: string;
    zone?: string;
  }[];
  ports?: { name?: string; port?: number; protocol?: string; appProtocol?: string }[];
}

/** `Secret` has no spec: `data` (base64) and `stringData` land here. */
export interface SecretSpec {
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  immutable?: boolean;
}

export interface ConfigMapSpec {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
  immutable?: boolean;
}

export interface ServiceAccountSpec {
  secrets?: ObjectReference[];
  automountServiceAccountToken?: boolean;
}

export interface NodeSpec {
  podCIDR?: string;
  podCIDRs?: string[];
  unschedulable?: boolean;
}

export interface IngressBackend {
  service?: { name: string; port?: { name?: string; number?: number } };
  resource?: { apiGroup?: string; kind: string; name: string };
}

export interface IngressSpec {
  ingressClassName?: string;
  defaultBackend?: IngressBackend;
  tls?: { hosts?: string[]; secretName?: string }[];
  rules?: {
    host?: string;
    http?: {
      paths: {
        path?: string;
        pathType: "Exact" | "Prefix" | "ImplementationSpecific";
        backend: IngressBackend;
      }[];
    };
  }[];
}

export interface IngressClassSpec {
  controller?: string;
  parameters?: {
    apiGroup?: string;
    kind: string;
    name: string;
    namespace?: string;
    scope?: string;
  };
}

export type Namespace = Resource<NamespaceSpec>;
export type Service = Resource<ServiceSpec>;
export type Endpoints = Resource<EndpointsSpec>;
export type EndpointSlice = Resource<EndpointSliceSpec>;
export type Secret = Resource<SecretSpec>;
export type ConfigMap = Resource<ConfigMapSpec>;
export type ServiceAccount = Resource<ServiceAccountSpec>;
export type Node = Resource<NodeSpec>;
export type Ingress = Resource<IngressSpec>;
export type IngressClass = Resource<IngressClassSpec>;
