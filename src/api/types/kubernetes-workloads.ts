// Pods and Deployments: the workload fields the mesh reads (labels, containers and their ports,
// service account, probes for rewriting, addresses from status).

import type { Resource } from "../resource.ts";
import type { Labels } from "./common.ts";

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: "TCP" | "UDP" | "SCTP";
  hostPort?: number;
}

export interface Probe {
  httpGet?: {
    path?: string;
    port: number | string;
    host?: string;
    scheme?: string;
    httpHeaders?: { name: string; value: string }[];
  };
  tcpSocket?: { port: number | string; host?: string };
  grpc?: { port: number; service?: string };
  exec?: { command?: string[] };
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: ContainerPort[];
  env?: { name: string; value?: string; valueFrom?: Record<string, unknown> }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: {
    limits?: Record<string, string | number>;
    requests?: Record<string, string | number>;
  };
  securityContext?: Record<string, unknown>;
  restartPolicy?: string;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  serviceAccountName?: string;
  /** Deprecated alias of serviceAccountName. */
  serviceAccount?: string;
  nodeName?: string;
  hostNetwork?: boolean;
  volumes?: Record<string, unknown>[];
}

export interface PodStatus {
  phase?: string;
  podIP?: string;
  podIPs?: { ip: string }[];
  hostIP?: string;
  conditions?: { type: string; status: string }[];
}

export interface DeploymentSpec {
  replicas?: number;
  selector: { matchLabels?: Labels; matchExpressions?: Record<string, unknown>[] };
  template: {
    metadata?: { labels?: Labels; annotations?: Record<string, string> };
    spec: PodSpec;
  };
  strategy?: Record<string, unknown>;
}

export type Pod = Resource<PodSpec>;
export type Deployment = Resource<DeploymentSpec>;
