// ServiceEntry, WorkloadEntry and WorkloadGroup (networking.istio.io): hosts and endpoints added
// to the service registry from outside Kubernetes.

import type { Resource } from "../resource.ts";
import type { Labels, NetworkWorkloadSelector } from "./common.ts";

export interface ServicePort {
  number: number;
  protocol?: string;
  name: string;
  targetPort?: number;
}

export type ServiceEntryLocation = "MESH_EXTERNAL" | "MESH_INTERNAL";
export type ServiceEntryResolution = "NONE" | "STATIC" | "DNS" | "DNS_ROUND_ROBIN" | "DYNAMIC_DNS";

export interface ServiceEntrySpec {
  hosts: string[];
  addresses?: string[];
  ports?: ServicePort[];
  location?: ServiceEntryLocation;
  resolution?: ServiceEntryResolution;
  endpoints?: WorkloadEntrySpec[];
  workloadSelector?: NetworkWorkloadSelector;
  exportTo?: string[];
  subjectAltNames?: string[];
}

export interface WorkloadEntrySpec {
  address?: string;
  ports?: Record<string, number>;
  labels?: Labels;
  network?: string;
  locality?: string;
  weight?: number;
  serviceAccount?: string;
}

export interface ReadinessProbe {
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  httpGet?: {
    path?: string;
    port: number;
    host?: string;
    scheme?: string;
    httpHeaders?: { name?: string; value?: string }[];
  };
  tcpSocket?: { host?: string; port: number };
  exec?: { command: string[] };
  grpc?: { port?: number; service?: string };
}

export interface WorkloadGroupSpec {
  metadata?: { labels?: Labels; annotations?: Record<string, string> };
  template: WorkloadEntrySpec;
  probe?: ReadinessProbe;
}

export type ServiceEntry = Resource<ServiceEntrySpec>;
export type WorkloadEntry = Resource<WorkloadEntrySpec>;
export type WorkloadGroup = Resource<WorkloadGroupSpec>;
